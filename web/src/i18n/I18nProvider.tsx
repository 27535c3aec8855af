// The language context: the chosen locale (zh-CN by default, kept in localStorage), `t` for
// messages and the locale's formats for money, numbers, percentages and dates.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { en, zhCN, type MessageKey, type Messages } from "./messages";
import { makeFormats, type Formats } from "./format";

export type Locale = "zh-CN" | "en-US";

const STORAGE_KEY = "recoup.locale";
const TABLES: Record<Locale, Messages> = { "zh-CN": zhCN, "en-US": en };

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  /** A message whose key is built from data (a channel or rule code), or `fallback`. */
  tOr: (key: string, fallback: string) => string;
  fmt: Formats;
}

const I18nContext = createContext<I18n | null>(null);

function initialLocale(): Locale {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (stored === "en-US" || stored === "zh-CN") {
      return stored;
    }
  } catch {
    // Storage may be disabled; the default applies.
  }
  return "zh-CN";
}

function fill(template: string, values?: Record<string, string | number>): string {
  if (!values) {
    return template;
  }
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered; still switched for this page.
    }
    document.documentElement.lang = next;
  }, []);
  const value = useMemo<I18n>(() => {
    const table = TABLES[locale];
    const t: Translate = (key, values) => fill(table[key], values);
    const tOr = (key: string, fallback: string) =>
      key in table ? table[key as MessageKey] : fallback;
    return { locale, setLocale, t, tOr, fmt: makeFormats(locale) };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) {
    throw new Error("useI18n outside I18nProvider");
  }
  return context;
}
