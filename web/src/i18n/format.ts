// Locale formats. Money arrives in fen (integer cents) and is shown in yuan with the ¥ sign,
// two decimals and the locale's grouping; ratios arrive in parts per million.
import type { Locale } from "./I18nProvider";

export interface Formats {
  /** ¥1,234.56 from 123456 fen. */
  money: (fen: number) => string;
  /** Compact money for chart axes: ¥1.2亿 / ¥120M. */
  moneyShort: (fen: number) => string;
  integer: (n: number) => string;
  decimal: (n: number, digits: number) => string;
  /** 12.34% from 123400 ppm. */
  percentPpm: (ppm: number) => string;
  /** A business date (YYYY-MM-DD) in the locale's long form. */
  date: (iso: string) => string;
  /** A month (YYYY-MM). */
  month: (isoMonth: string) => string;
  /** An RFC 3339 instant in the browser's time zone. */
  dateTime: (rfc3339: string) => string;
}

function utcDate(iso: string): Date | null {
  const match = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso);
  if (!match) {
    return null;
  }
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3] ?? "1")));
}

export function makeFormats(locale: Locale): Formats {
  const money = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "CNY",
    currencyDisplay: "narrowSymbol",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const moneyShort = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "CNY",
    currencyDisplay: "narrowSymbol",
    notation: "compact",
    maximumFractionDigits: 1,
  });
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(locale, {
    style: "percent",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const date = new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });
  const month = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", timeZone: "UTC" });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  return {
    money: (fen) => money.format(fen / 100),
    moneyShort: (fen) => moneyShort.format(fen / 100),
    integer: (n) => integer.format(n),
    decimal: (n, digits) =>
      new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }).format(n),
    percentPpm: (ppm) => percent.format(ppm / 1_000_000),
    date: (iso) => {
      const d = utcDate(iso);
      return d ? date.format(d) : iso;
    },
    month: (iso) => {
      const d = utcDate(iso);
      return d ? month.format(d) : iso;
    },
    dateTime: (rfc) => {
      const d = new Date(rfc);
      return Number.isNaN(d.getTime()) ? rfc : dateTime.format(d);
    },
  };
}
