//! Command-line definitions. Every flag is defined once here; `--help` is generated from it.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use recoup_tape::TextEncoding;

/// recoup — collections for car-finance lenders: loan book, daily cycle, reports.
#[derive(Debug, Parser)]
#[command(name = "recoup", version, about, propagate_version = true)]
pub struct Cli {
    /// Database URL: sqlite://FILE (default sqlite://recoup.db) or postgres://USER@HOST/DB.
    #[arg(long = "database-url", env = "RECOUP_DATABASE_URL", global = true)]
    database_url_arg: Option<String>,

    /// Configuration file (ledger policy, time zone); default: recoup.toml if present.
    #[arg(long, env = "RECOUP_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,

    #[arg(skip)]
    pub database_url: String,
    #[arg(skip)]
    pub database_url_given: bool,
}

impl Cli {
    /// Parses the process arguments and settles the database URL.
    pub fn parse() -> Cli {
        <Cli as Parser>::parse().settled()
    }

    /// Parses `args` (the first is the program name).
    pub fn try_parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        <Cli as Parser>::try_parse_from(args).map(Cli::settled)
    }

    fn settled(mut self) -> Cli {
        self.database_url_given = self.database_url_arg.is_some();
        self.database_url = self
            .database_url_arg
            .clone()
            .unwrap_or_else(|| recoup_store::DEFAULT_DATABASE_URL.to_string());
        self
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a repayment schedule (a calculator; touches no database).
    Schedule(ScheduleArgs),
    /// Import a loan tape or a bank file (CSV or XLSX); all-or-nothing.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run end-of-day for a business date, catching up missed dates in order.
    Eod(EodArgs),
    /// Reports on the book.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The day's collection work: treatments by channel, queue and stage, and compliance blocks.
    Plan {
        /// Business date (default: the last closed date).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Build a realistic demo portfolio with 24 months of history and print its summary.
    Demo(DemoArgs),
    /// Benchmarks that print figures (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Collection strategy files (see docs/strategy.md).
    #[command(subcommand)]
    Strategy(StrategyCommand),
    /// Language quality inspection (质检) of templates and notes (see docs/qa.md).
    #[command(subcommand)]
    Qa(QaCommand),
    /// Compliance reports (see docs/compliance.md).
    #[command(subcommand)]
    Compliance(ComplianceCommand),
    /// Serve the HTTP API until Ctrl-C or SIGTERM (see docs/server.md).
    Serve(ServeArgs),
    /// Users who sign in to the server.
    #[command(subcommand)]
    User(UserCommand),
    /// The hash-chained audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Early settlement (提前结清) and partial prepayment (提前部分还款) of a loan.
    #[command(subcommand)]
    Loan(LoanCommand),
}

#[derive(Debug, Subcommand)]
pub enum LoanCommand {
    /// What settling the loan early costs on a date, by component.
    Quote {
        /// The loan number.
        #[arg(long)]
        loan: String,
        /// The date the borrower would pay (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Post a payment that settles the loan early (at least the quote); the loan is paid off.
    Settle(PostingArgs),
    /// Post a partial prepayment; the schedule from the current period on is rebuilt.
    Prepay {
        #[command(flatten)]
        posting: PostingArgs,
        /// reduce-installment (keep the maturity) or shorten-term (keep the installment).
        #[arg(long, value_enum)]
        mode: PrepayMode,
    },
}

#[derive(Debug, Args)]
pub struct PostingArgs {
    /// The loan number.
    #[arg(long)]
    pub loan: String,
    /// The amount received, yuan (at most two decimals).
    #[arg(long)]
    pub amount: String,
    /// The bank's transaction reference (流水号); posting it again posts nothing.
    #[arg(long)]
    pub reference: String,
    /// The value date: the next business date to close (default: today).
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrepayMode {
    ReduceInstallment,
    ShortenTerm,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (default: [server] listen in recoup.toml, else
    /// 127.0.0.1:8080).
    #[arg(long, env = "RECOUP_LISTEN")]
    pub listen: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AddUser {
    /// Login name: letters, digits, `.`, `_`, `-` (stored lower case).
    pub username: String,
    /// admin, manager, collector, field_agent, legal, recovery, compliance or agency.
    #[arg(long)]
    pub role: String,
    /// Name shown in the UI (default: the username).
    #[arg(long = "display-name")]
    pub display_name: Option<String>,
    /// The outside agency, required for (and only for) agency users.
    #[arg(long)]
    pub agency: Option<String>,
    /// Region the user works in.
    #[arg(long)]
    pub region: Option<String>,
    /// Read the password from standard input (first line) instead of prompting.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is prompted for (twice) on a terminal, or read from the
    /// first line of standard input.
    Add(AddUser),
    /// Set a user's password (prompted twice, or the first line of standard input); ends
    /// their sessions and clears the sign-in throttle for the account.
    Password {
        username: String,
        /// Read the password from standard input (first line) instead of prompting.
        #[arg(long = "password-stdin")]
        password_stdin: bool,
    },
    /// Deactivate a user: sign-in refused, sessions ended; their open cases move at the next
    /// assignment run.
    Deactivate { username: String },
    /// Reactivate a user (and clear the sign-in throttle).
    Activate { username: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit status 1 naming the first broken row.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// Permitted and blocked contacts by rule and channel between two business dates.
    Report {
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum StrategyCommand {
    /// Check a strategy file; every error is printed with its line and column.
    Check { file: PathBuf },
    /// Champion/challenger results per arm: cases, contacts and cost by channel, blocks, cures,
    /// money recovered.
    Results {
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
    },
    /// Run a simulated book forward with a strategy (and, with --against, a second one on the
    /// same book and bank): recovery, cures, contacts by channel and compliance blocks.
    Simulate {
        /// The strategy file to simulate.
        file: PathBuf,
        /// A second strategy file to compare against, side by side.
        #[arg(long)]
        against: Option<PathBuf>,
        /// Business dates to run.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// Seed of the simulated book and bank.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Loans in the simulated book.
        #[arg(long, default_value_t = 20_000)]
        loans: usize,
        /// First business date worked (the book is seasoned up to the day before).
        #[arg(long, default_value = "2026-06-01")]
        start: NaiveDate,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum QaCommand {
    /// Inspect a text or a file against the shipped lexicons; exit status 1 on a block-tier hit.
    Check {
        /// The text to inspect (instead of a file).
        #[arg(long, conflicts_with = "file")]
        text: Option<String>,
        /// A file to inspect (a template or notes).
        #[arg(required_unless_present = "text")]
        file: Option<PathBuf>,
        /// Facts on file for the case, which make legal statements true (legal_filed,
        /// hearing_date, judgment, lawyer_letter, visit_scheduled); comma-separated.
        #[arg(long, default_value = "-")]
        facts: String,
    },
    /// Score the shipped lexicons on labelled corpora (TSV: label, category, facts, text):
    /// recall and false positives per category, tuning rows and the held-out fifth.
    Score {
        /// Corpus files, e.g. crates/qa/tests/corpus/zh-CN.tsv.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also list every sentence scored wrong.
        #[arg(long)]
        misses: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    EqualInstallment,
    EqualPrincipal,
    Bullet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Loan principal in yuan, e.g. 100000.00.
    #[arg(long)]
    pub principal: String,
    /// Annual interest rate in percent, e.g. 6.0.
    #[arg(long = "annual-rate")]
    pub annual_rate: String,
    /// Term in months.
    #[arg(long)]
    pub term: u32,
    #[arg(long, value_enum)]
    pub method: Method,
    /// Disbursement date (YYYY-MM-DD); the first installment falls due a month later.
    #[arg(long)]
    pub start: NaiveDate,
    /// Day of the month installments fall due (default: the start date's day).
    #[arg(long = "repayment-day")]
    pub repayment_day: Option<u32>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Book the loans of a loan tape (see docs/loan-tape.md).
    Loans {
        file: PathBuf,
        /// Refuse loans disbursed after this date (default: today in the configured time zone).
        #[arg(long = "as-of")]
        as_of: Option<NaiveDate>,
        #[command(flatten)]
        encoding: EncodingArg,
    },
    /// Post payments and auto-debit results from a bank file (see docs/bank-files.md).
    Payments {
        file: PathBuf,
        #[command(flatten)]
        encoding: EncodingArg,
    },
}

/// `--encoding`, shared by the importers of CSV files.
#[derive(Debug, Args)]
pub struct EncodingArg {
    /// Text encoding of a CSV file: auto (UTF-8, else GB18030/GBK), utf-8 or gb18030.
    #[arg(long = "encoding", default_value = "auto", value_parser = parse_encoding)]
    pub encoding: TextEncoding,
}

fn parse_encoding(text: &str) -> Result<TextEncoding, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub struct EodArgs {
    /// Business date to close (default: yesterday in the configured time zone).
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Loans per transaction.
    #[arg(long = "chunk-size", default_value_t = 2_000)]
    pub chunk_size: usize,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Loans and balances by bucket, NPL ratio and last month's roll rates on a closed date.
    Portfolio {
        /// Business date (default: the last closed date).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Loans in the demo portfolio.
    #[arg(long, default_value_t = 20_000)]
    pub loans: usize,
    /// Seed for the simulator: the same seed gives the same portfolio and summary.
    #[arg(long, default_value_t = 20_261_122)]
    pub seed: u64,
    /// The demo's today (default: today in the configured time zone).
    #[arg(long = "as-of")]
    pub as_of: Option<NaiveDate>,
    /// Months of history before the as-of date.
    #[arg(long = "history-months", default_value_t = 24)]
    pub history_months: u32,
    /// Stop after printing the summary instead of serving the UI.
    #[arg(long = "no-serve")]
    pub no_serve: bool,
    /// Address to serve on, HOST:PORT (default: [server] listen in recoup.toml, else
    /// 127.0.0.1:8080).
    #[arg(long, env = "RECOUP_LISTEN")]
    pub listen: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time end-of-day for one business date over a seasoned book of N loans.
    Eod {
        #[arg(long, default_value_t = 1_000_000)]
        loans: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Loans per transaction.
        #[arg(long = "chunk-size", default_value_t = 5_000)]
        chunk_size: usize,
        /// The business date timed; the book is seasoned up to the day before. The default, the
        /// 10th, is one of the heavy days: many lenders fix repayment on the 5th/10th/15th/20th.
        #[arg(long, default_value = "2026-11-10")]
        date: NaiveDate,
    },
    /// Strategy and compliance evaluations per second on one core, in memory: the shipped
    /// cn-default strategy and cn profile over N seeded, realistic cases.
    Collections {
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// Schedules generated per second on one core.
    Schedule {
        #[arg(long, default_value_t = 2_000_000)]
        schedules: usize,
    },
}
