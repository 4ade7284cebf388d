// Running a page's actions: a refusal becomes the page's alert, and the page reads its data
// again afterwards, whatever happened.
import { useState } from "preact/hooks";
import { describeError } from "./api";
import { t } from "./i18n";

/** What an API call resolves to, as far as an action cares. */
export interface Answer {
  error?: unknown;
  response: Response;
}

export type Act = (action: () => Promise<Answer>) => Promise<boolean>;

export function useActions(after: () => Promise<unknown>): {
  problem: string | null;
  setProblem: (problem: string | null) => void;
  act: Act;
} {
  const [problem, setProblem] = useState<string | null>(null);
  const act: Act = async (action) => {
    setProblem(null);
    let ok = false;
    try {
      const { error, response } = await action();
      ok = error === undefined;
      if (!ok) setProblem(describeError(error, response.status));
    } catch {
      setProblem(t("The server cannot be reached."));
    }
    await after();
    return ok;
  };
  return { problem, setProblem, act };
}
