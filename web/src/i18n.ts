// The pages' own words in English and Hungarian. The English phrase is the key, so the code
// reads as the page does, and `Phrase` is the set of keys: a phrase without its Hungarian
// breaks the type check. What the server says (its error messages, queue and agent names)
// stays as the server says it; the catalog's names (dispositions, closure codes) come from the
// server in the language asked for.
import { useEffect, useState } from "preact/hooks";

export type Lang = "en" | "hu";

const hungarian = {
  // Pages and sign-in
  "Agent desktop": "Ügyintézői felület",
  "Supervisor console": "Felügyeleti konzol",
  Reports: "Jelentések",
  "API key": "API-kulcs",
  Station: "Munkaállomás",
  "Sign in": "Bejelentkezés",
  "Sign out": "Kijelentkezés",
  "Checking the key…": "A kulcs ellenőrzése…",
  "Signed in as {who} (key {key})": "Bejelentkezve: {who} ({key}. kulcs)",
  "Page language": "Az oldal nyelve",
  "No such page.": "Nincs ilyen oldal.",
  "The server cannot be reached. Is switchboard running?":
    "A szerver nem érhető el. Fut a switchboard?",
  "The server cannot be reached.": "A szerver nem érhető el.",
  "This key is not valid: it is unknown or has been revoked.":
    "Ez a kulcs nem érvényes: ismeretlen, vagy visszavonták.",
  "The server answered {status}.": "A szerver válasza: {status}.",
  "This key has expired ({message}). Ask whoever gave it to you for a new one.":
    "Ez a kulcs lejárt ({message}). Kérjen újat attól, akitől kapta.",
  "This is a {role} key; the agent desktop needs an agent's key.":
    "Ez egy {role} kulcs; az ügyintézői felülethez ügyintézői kulcs kell.",
  "This is a {role} key; the supervisor console needs a supervisor or admin key.":
    "Ez egy {role} kulcs; a felügyeleti konzolhoz felügyelői vagy admin kulcs kell.",
  "This key does not have the Data Download View permission, which the reports need.":
    "Ennek a kulcsnak nincs Data Download View jogosultsága, ami a jelentésekhez kell.",
  // Live pages
  "Event stream": "Eseményfolyam",
  Live: "Élő",
  "Connecting…": "Kapcsolódás…",
  "Reconnecting: {problem}…": "Újrakapcsolódás: {problem}…",
  "Stopped: {problem}": "Leállt: {problem}",
  " (reconnected; nothing was missed)": " (újrakapcsolódott; semmi sem maradt ki)",
  "Loading…": "Betöltés…",
  // Agent desktop
  Language: "Nyelv",
  "Agent state": "Ügyintéző állapota",
  State: "Állapot",
  "Choose a state…": "Válasszon állapotot…",
  "Offline (log out)": "Kijelentkezve (kilépés)",
  "station {station}": "{station} munkaállomás",
  "Mode Pending: the new state starts when the current work ends.":
    "Függő mód: az új állapot a mostani munka végén kezdődik.",
  "Reason: {reason}": "Ok: {reason}",
  "Time in state": "Idő az állapotban",
  "The offer of contact {contact} was missed: it was not answered in time. You are in No Answer; pick a state to go on.":
    "A(z) {contact} kontaktus ajánlata elmaradt: nem fogadta időben. Állapota Nem válaszolt; a folytatáshoz válasszon állapotot.",
  Offer: "Ajánlat",
  Channel: "Csatorna",
  Queue: "Sor",
  Caller: "Hívó",
  Contact: "Kontaktus",
  "Accepted: connecting the call…": "Elfogadva: a hívás kapcsolása…",
  "Time left": "Hátralévő idő",
  Accept: "Elfogadás",
  Refuse: "Elutasítás",
  "Decline reason": "Az elutasítás oka",
  "No reason": "Nincs megadva",
  " (reason: {reason})": " (ok: {reason})",
  Outbound: "Kimenő hívás",
  Destination: "Célszám",
  Dial: "Tárcsázás",
  Parked: "Parkoltatva",
  "Parked sessions in your queues": "Parkoltatott munkamenetek az Ön soraiban",
  Customer: "Ügyfél",
  Held: "Visszatartva",
  Actions: "Műveletek",
  Unpark: "Parkoltatás vége",
  "Unpark contact {contact}": "A(z) {contact} kontaktus parkoltatásának vége",
  "My callbacks": "Visszahívásaim",
  "No callbacks are reserved for you.": "Nincs Önnek fenntartott visszahívás.",
  "Callbacks reserved for you": "Önnek fenntartott visszahívások",
  Due: "Esedékes",
  Attempts: "Kísérletek",
  Location: "Hely",
  " (due)": " (esedékes)",
  "Contact {contact}": "Kontaktus {contact}",
  " for": ", ideje:",
  Transferred: "Átadva",
  "the contact moved on; wrap up to finish": "a kontaktus továbbment; a befejezéshez zárja le",
  "Callback attempt {no} to {destination}": "{no}. visszahívási kísérlet: {destination}",
  "No Answer in": "Nem válaszolt ennyi idő múlva:",
  "Completion status": "Befejezési állapot",
  "Completion status: {status}": "Befejezési állapot: {status}",
  "none yet": "még nincs",
  Handled: "Kezelve",
  "Answering Machine": "Üzenetrögzítő",
  "No Answer": "Nem válaszolt",
  Cancel: "Mégse",
  "Wrong Destination": "Téves célszám",
  "Callback Requested": "Visszahívást kért",
  Busy: "Foglalt",
  Fax: "Fax",
  Modem: "Modem",
  "Sit Tone": "SIT hang",
  "Invalid Number": "Érvénytelen szám",
  "Wrong Party": "Téves személy",
  "Give a date and a time.": "Adjon meg dátumot és időpontot.",
  "Callback number": "Visszahívási szám",
  Date: "Dátum",
  Time: "Időpont",
  "Keep it for me": "Nekem tartsa fenn",
  "Callback request": "Visszahívási kérés",
  "Request callback": "Visszahívás kérése",
  "Schedule callback": "Visszahívás ütemezése",
  Schedule: "Ütemezés",
  "Queue {queue}": "{queue} sor",
  Transfer: "Átadás",
  "Transfer to": "Átadás ide",
  "Choose a queue or an agent…": "Válasszon sort vagy ügyintézőt…",
  "Transfer now": "Átadás most",
  Hold: "Tartás",
  Resume: "Folytatás",
  Consult: "Konzultáció",
  Conference: "Konferencia",
  End: "Befejezés",
  Suspend: "Felfüggesztés",
  Park: "Parkoltatás",
  "Start dial": "Tárcsázás indítása",
  "Wrap-up": "Utómunka",
  "Wrap-up time left": "Hátralévő utómunkaidő",
  Disposition: "Eredménykód",
  "No disposition": "Nincs eredménykód",
  Complete: "Lezárás",
  // Supervisor console
  "Contact id": "Kontaktusazonosító",
  "Find a contact": "Kontaktus keresése",
  "Show timeline": "Idővonal megjelenítése",
  "Agent monitor": "Ügyintézők figyelése",
  Team: "Csoport",
  "All teams": "Minden csoport",
  "All queues": "Minden sor",
  "All states": "Minden állapot",
  Agents: "Ügyintézők",
  Name: "Név",
  Availability: "Elérhetőség",
  Contacts: "Kontaktusok",
  "No agent matches the filters.": "Egy ügyintéző sem felel meg a szűrőknek.",
  Available: "Elérhető",
  Unavailable: "Nem elérhető",
  "Mode Pending": "Függő mód",
  "Set the state of {name}": "{name} állapotának beállítása",
  "New state": "Új állapot",
  "Choose…": "Válasszon…",
  Apply: "Alkalmazás",
  "Confirm log out of {name}": "{name} kijelentkeztetésének megerősítése",
  "Log out {name}?": "Kijelentkezteti: {name}?",
  "Yes, log out": "Igen, kijelentkeztetés",
  Keep: "Maradjon",
  "Set state": "Állapot beállítása",
  "Log out": "Kijelentkeztetés",
  "Queue monitor": "Sorok figyelése",
  Queues: "Sorok",
  Status: "Állapot",
  Waiting: "Várakozik",
  "Longest wait": "Leghosszabb várakozás",
  Ready: "Kész",
  Offered: "Felajánlva",
  Answered: "Fogadva",
  Abandoned: "Feladta",
  "Service level": "Szolgáltatási szint",
  "(in {seconds} s)": "({seconds} mp-en belül)",
  Callbacks: "Visszahívások",
  Alerts: "Riasztások",
  Open: "Nyitva",
  "Closed (schedule)": "Zárva (nyitvatartás)",
  "Closed (holiday)": "Zárva (ünnepnap)",
  "Closed (emergency)": "Zárva (vészhelyzet)",
  "set by {who}": "beállította: {who}",
  "longest wait {waited} over {limit}": "a leghosszabb várakozás {waited}, több mint {limit}",
  "service level {level} under {limit} %": "a szolgáltatási szint {level}, kevesebb mint {limit} %",
  "{waiting} waiting, over {limit}": "{waiting} várakozik, több mint {limit}",
  "Start callbacks": "Visszahívások indítása",
  "Stop callbacks": "Visszahívások leállítása",
  "Start callbacks of {queue}": "A(z) {queue} sor visszahívásainak indítása",
  "Stop callbacks of {queue}": "A(z) {queue} sor visszahívásainak leállítása",
  Started: "Fut",
  Stopped: "Leállítva",
  "End emergency": "Vészhelyzet vége",
  "End emergency of {queue}": "A(z) {queue} sor vészhelyzetének vége",
  Emergency: "Vészhelyzet",
  "Emergency for {queue}": "Vészhelyzet a(z) {queue} sorban",
  "Close {queue} in an emergency": "A(z) {queue} sor lezárása vészhelyzet miatt",
  "Message to callers": "Üzenet a hívóknak",
  "Close the queue": "A sor lezárása",
  "Callback search": "Visszahívások keresése",
  "All locations": "Minden hely",
  "Reserved for": "Fenntartva neki",
  "Send to queue": "Sorba küldés",
  "Confirm purge of callback {contact}": "A(z) {contact} visszahívás törlésének megerősítése",
  "Purge callback {contact} to {destination}?":
    "Törli a(z) {contact} visszahívást ({destination})?",
  "Yes, purge": "Igen, törlés",
  "Keep it": "Maradjon",
  Purge: "Törlés",
  "No open callback matches the filters.": "Egy nyitott visszahívás sem felel meg a szűrőknek.",
  "Suspended and parked": "Felfüggesztve és parkoltatva",
  "No session is suspended or parked.": "Nincs felfüggesztett vagy parkoltatott munkamenet.",
  Sessions: "Munkamenetek",
  Agent: "Ügyintéző",
  Since: "Kezdete",
  Suspended: "Felfüggesztve",
  "Do-not-call list": "Letiltott számok listája",
  "Add a number to the do-not-call list": "Szám felvétele a letiltott számok listájára",
  Number: "Szám",
  "Add to the list": "Felvétel a listára",
  "Import a do-not-call file": "Letiltott számok fájljának importálása",
  "CSV file": "CSV-fájl",
  Import: "Importálás",
  "{count} numbers on the list.": "{count} szám van a listán.",
  "Do-not-call numbers": "Letiltott számok",
  "Remove {number}": "{number} eltávolítása",
  Remove: "Eltávolítás",
  "First page": "Első oldal",
  "Previous page": "Előző oldal",
  "Pages of {what}": "{what} lapozása",
  "{from}–{to} of {count}": "{from}–{to}, összesen {count}",
  "Previous page of {what}": "{what}: előző oldal",
  "Next page of {what}": "{what}: következő oldal",
  agents: "ügyintézők",
  callbacks: "visszahívások",
  "Next page": "Következő oldal",
  "Contact {contact}: show its timeline": "{contact} kontaktus: idővonal megjelenítése",
  // Timeline
  "Timeline of contact {contact}": "A(z) {contact} kontaktus idővonala",
  "Close timeline": "Idővonal bezárása",
  "Arrived: {channel} for {queue} from {from}": "Beérkezett: {channel}, {queue} sor, hívó: {from}",
  "Queued in {queue}": "Sorba állt: {queue}",
  "Offered to {agent} at {station} (offer {offer})":
    "Felajánlva: {agent}, {station} munkaállomás ({offer}. ajánlat)",
  "Refused by {agent}: {reason}": "Elutasította {agent}: {reason}",
  " (cause {cause})": " (ok: {cause})",
  "Offer to {agent} withdrawn": "{agent} ajánlata visszavonva",
  "{agent} may be offered it again": "{agent} újra megkaphatja",
  "Connected to {agent}: {state}": "Kapcsolva: {agent}: {state}",
  ", answered by {by}": ", fogadta: {by}",
  "Wrap-up started ({agent})": "Utómunka kezdődött ({agent})",
  "Wrap-up completed ({agent})": "Utómunka lezárva ({agent})",
  "Wrap-up timed out ({agent})": "Utómunka ideje lejárt ({agent})",
  ", disposition {disposition}": ", eredménykód: {disposition}",
  "Released by {agent}": "Elengedte: {agent}",
  "Suspended by {agent}": "Felfüggesztette: {agent}",
  "Parked by {agent}": "Parkoltatta: {agent}",
  "Held while contact {contact} is parked": "Visszatartva, amíg a(z) {contact} kontaktus parkol",
  "The customer wrote again (suspended contact {contact})":
    "Az ügyfél újra írt (felfüggesztett kontaktus: {contact})",
  "Callback to {destination} in {queue} ({origin})":
    "Visszahívás: {destination}, {queue} sor ({origin})",
  "Callback pending": "Visszahívás függőben",
  "Attempt {attempt} by {agent}": "{attempt}. kísérlet: {agent}",
  Dialing: "Tárcsázás",
  "Dial outcome: {outcome}": "Tárcsázás eredménye: {outcome}",
  " (automatic)": " (automatikus)",
  "Attempt {attempt} ended: {state}": "A(z) {attempt}. kísérlet véget ért: {state}",
  " (counted)": " (beszámít)",
  "Callback expired": "A visszahívás lejárt",
  "Reservation for the agent ended": "Az ügyintézőnek szóló fenntartás véget ért",
  "Callback completed: {end}": "Visszahívás befejezve: {end}",
  Closed: "Lezárva",
  " by {agent}": ", lezárta: {agent}",
  "{agent}: {state}": "{agent}: {state}",
  // Reports
  "Data download": "Adatletöltés",
  Report: "Jelentés",
  "Agent refusals": "Ügyintézői elutasítások",
  "Completed callbacks": "Befejezett visszahívások",
  "Agent state log": "Ügyintézői állapotnapló",
  "Contact closures": "Kontaktusok lezárása",
  "Callback monitor": "Visszahívások figyelése",
  "Date range": "Időszak",
  Today: "Ma",
  Yesterday: "Tegnap",
  "Last 7 days": "Az utolsó 7 nap",
  "Last 30 days": "Az utolsó 30 nap",
  "Previous week": "Előző hét",
  "Previous month": "Előző hónap",
  "Month to date": "A hónap eddig",
  "Specific date": "Adott nap",
  From: "Ettől",
  To: "Eddig",
  "Start time": "Kezdő időpont",
  "End time": "Záró időpont",
  "Time zone": "Időzóna",
  Format: "Formátum",
  "Include field names": "Mezőnevekkel",
  "Append date to file name": "Dátum a fájlnévben",
  Download: "Letöltés",
  "Downloaded {file}.": "Letöltve: {file}.",
} as const satisfies Record<string, string>;

/** A phrase of the pages (its English text). */
export type Phrase = keyof typeof hungarian;

const STORAGE_KEY = "switchboard.lang";
let current: Lang = "en";

/** The language the pages speak now. */
export function lang(): Lang {
  return current;
}

/** A phrase in the page's language, with `{name}` placeholders filled from `values`. */
export function t(phrase: Phrase, values: Record<string, string | number> = {}): string {
  let text: string = current === "hu" ? hungarian[phrase] : phrase;
  for (const [name, value] of Object.entries(values)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

/** The language kept in this browser (the choice outlives the tab, unlike the key). */
function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === "hu" ? "hu" : "en";
  } catch {
    return "en";
  }
}

/**
 * The page's language, for the root component: it renders again (and with it every page)
 * when the language changes.
 */
export function useLanguage(): [Lang, (next: Lang) => void] {
  const [chosen, setChosen] = useState<Lang>(() => {
    current = storedLang();
    return current;
  });
  useEffect(() => {
    document.documentElement.lang = chosen;
  }, [chosen]);
  return [
    chosen,
    (next: Lang) => {
      current = next;
      try {
        localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // A browser that keeps nothing still switches for this page.
      }
      setChosen(next);
    },
  ];
}
