//! Progress bars on a terminal: the libraries report progress through
//! callbacks (`kensa_update::UpdateProgress`), the binary draws it.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

/// Bars on standard error when it is a terminal; nothing in a log.
pub(crate) fn terminal_progress() -> Option<Arc<dyn kensa_update::UpdateProgress>> {
    std::io::stderr()
        .is_terminal()
        .then(|| Arc::new(TerminalProgress::default()) as Arc<dyn kensa_update::UpdateProgress>)
}

/// One bar per download (downloads run one at a time).
#[derive(Default)]
struct TerminalProgress {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl kensa_update::UpdateProgress for TerminalProgress {
    fn download_started(&self, label: &str, total: u64, already: u64) {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(label.to_owned());
        bar.set_position(already);
        if let Ok(mut held) = self.bar.lock() {
            *held = Some(bar);
        }
    }

    fn download_progressed(&self, bytes: u64) {
        if let Ok(held) = self.bar.lock()
            && let Some(bar) = held.as_ref()
        {
            bar.inc(bytes);
        }
    }

    fn download_finished(&self) {
        if let Ok(mut held) = self.bar.lock()
            && let Some(bar) = held.take()
        {
            bar.finish_and_clear();
        }
    }
}
