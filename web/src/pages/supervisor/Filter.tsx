/** A filter of a table: a labelled select whose empty choice shows everything. */
export function Filter({
  id,
  label,
  everything,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  /** The empty choice's text ("All teams"). */
  everything: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{everything}</option>
        {options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </>
  );
}

/** Options whose value is their label. */
export const plain = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));
