//! Progress bars for long runs (end-of-day over many loans, the demo's history), drawn only
//! when stderr is a terminal.

use std::time::Duration;

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use recoup_store::{EodObserver, EodReport};

/// A bar over a count of items with a message.
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template =
        format!("{{msg:>14}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{elapsed}}, eta {{eta}})");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Draws end-of-day progress for one date at a time.
pub struct EodBar {
    bar: ProgressBar,
}

impl EodBar {
    pub fn new() -> EodBar {
        EodBar {
            bar: bar(0, "loans"),
        }
    }
}

impl Default for EodBar {
    fn default() -> Self {
        EodBar::new()
    }
}

impl EodObserver for EodBar {
    fn date_started(&self, date: NaiveDate, loans: u64) {
        self.bar.set_message(date.to_string());
        self.bar.set_length(loans);
        self.bar.set_position(0);
    }
    fn loans_done(&self, loans: u64) {
        self.bar.inc(loans);
    }
    fn date_finished(&self, _report: &EodReport) {}
}

impl Drop for EodBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
