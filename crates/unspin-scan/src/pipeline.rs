//! The scan's threads: one reader, a rayon pool of checkers, and the writer (the calling
//! thread), with memory bounded whatever the input size.
//!
//! The reader cuts records into small batches (64 records or 64 KB) and spawns one pool task
//! per batch, first in first out; a task checks its records one after the other and sends the
//! batch's lines to the writer, which puts batches back in input order. Tasks are sequential on
//! purpose: a task that split its batch with `par_iter` would, while waiting for its halves,
//! steal later batches, and the oldest batch (the one the writer waits for) would finish last:
//! output would come in bursts and checkpoints late. Before a batch is spawned the reader takes
//! its size from a byte budget that the writer gives back once the batch is written: the
//! batches in flight, queued, being checked or waiting for an earlier one, never hold more
//! than the budget (plus one record, which may be as large as `--max-bytes`). A slow document
//! therefore stalls the reader instead of letting finished batches pile up behind it.

use crate::input::{read_source, Item, ReadOpts, Source};
use crate::output::{Checkpoint, Journal, OutFile};
use crate::process::{process, Class, Ctx, Out};
use crate::{Error, Stats};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A batch is cut at this many records...
const BATCH_RECORDS: usize = 64;
/// ...or this many bytes of records, whichever comes first: a fraction of a second of work, so
/// that every thread has batches to take and the writer is never far behind.
const BATCH_BYTES: u64 = 64 * 1024;
/// Budget charge per record on top of its bytes, so that batches of tiny or empty records
/// (error records) are bounded too.
const PER_RECORD: u64 = 512;

/// A counting semaphore over bytes.
struct Budget {
    state: Mutex<(u64, bool)>,
    cv: Condvar,
    cap: u64,
}

impl Budget {
    fn new(cap: u64) -> Budget {
        Budget {
            state: Mutex::new((0, false)),
            cv: Condvar::new(),
            cap,
        }
    }

    /// Takes `n` bytes, waiting while that would exceed the cap (a single request larger than
    /// the cap waits until nothing else is taken). False when the scan is aborted.
    fn acquire(&self, n: u64) -> bool {
        let mut s = self.state.lock().expect("budget lock");
        while !s.1 && s.0 > 0 && s.0 + n > self.cap {
            s = self.cv.wait(s).expect("budget lock");
        }
        if s.1 {
            return false;
        }
        s.0 += n;
        true
    }

    fn release(&self, n: u64) {
        let mut s = self.state.lock().expect("budget lock");
        s.0 -= n;
        self.cv.notify_all();
    }

    fn abort(&self) {
        self.state.lock().expect("budget lock").1 = true;
        self.cv.notify_all();
    }
}

enum Msg {
    Batch {
        no: u64,
        outs: Vec<Out>,
        /// Input bytes read when the batch was cut (for progress).
        pos: u64,
        charge: u64,
    },
    End {
        batches: u64,
        /// Records seen, including the ones skipped on resume.
        seen: u64,
    },
}

/// Where output lines go.
pub(crate) enum Dest {
    Stdout(BufWriter<std::io::StdoutLock<'static>>),
    Files {
        /// One output, or KEPT and REMOVED.
        files: Vec<OutFile>,
        journal: Journal,
        /// With two files: the score from which records are removed.
        split: Option<f64>,
    },
}

impl Dest {
    /// Whether a record goes to the kept file (only meaningful with a split).
    fn kept(class: Class, threshold: f64) -> bool {
        matches!(class, Class::Scored { score, .. } if score < threshold)
    }

    /// Writes a line where it belongs; with a split, says whether it was kept.
    fn write(&mut self, out: &Out) -> Result<Option<bool>, Error> {
        Ok(match self {
            Dest::Stdout(w) => {
                w.write_all(&out.line)
                    .and_then(|_| w.write_all(b"\n"))
                    .map_err(|e| Error::io("<standard output>", e))?;
                None
            }
            Dest::Files { files, split, .. } => {
                let kept = split.map(|t| Dest::kept(out.class, t));
                let f = if kept == Some(false) { 1 } else { 0 };
                files[f].write_line(&out.line)?;
                kept
            }
        })
    }

    /// Records a point that `--resume` can continue from.
    fn checkpoint(&mut self, records: u64, stats: &Stats, done: bool) -> Result<(), Error> {
        match self {
            Dest::Stdout(w) => w.flush().map_err(|e| Error::io("<standard output>", e)),
            Dest::Files { files, journal, .. } => {
                let lens = files
                    .iter_mut()
                    .map(|f| f.seal())
                    .collect::<Result<_, _>>()?;
                journal.append(&Checkpoint {
                    records,
                    lens,
                    stats: stats.clone(),
                    done,
                })
            }
        }
    }

    /// Gives the outputs their real names and drops the journal.
    pub fn finish(mut self, records: u64, stats: &Stats) -> Result<(), Error> {
        self.checkpoint(records, stats, true)?;
        match self {
            Dest::Stdout(_) => Ok(()),
            Dest::Files { files, journal, .. } => {
                for f in files {
                    f.commit()?;
                }
                journal.remove()
            }
        }
    }
}

/// The progress bar (on a terminal only).
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Progress {
    pub fn new(total: Option<u64>, show: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let (bar, tpl) = match total {
                Some(t) => (
                    ProgressBar::new(t),
                    "{spinner:.green} [{elapsed_precise}] [{bar:30.cyan/blue}] {bytes}/{total_bytes} \
                     {binary_bytes_per_sec} ETA {eta} | {msg}",
                ),
                None => (
                    ProgressBar::new_spinner(),
                    "{spinner:.green} [{elapsed_precise}] {bytes} {binary_bytes_per_sec} | {msg}",
                ),
            };
            bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            bar.set_style(
                ProgressStyle::with_template(tpl)
                    .expect("the template is valid")
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
        }
    }

    fn update(&self, pos: u64, session: &Stats, totals: &Stats) {
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{} docs ({:.0}/s), {} spun, {} errors",
                totals.records,
                session.records as f64 / secs,
                totals.spun,
                totals.errors
            ));
        }
    }

    /// Prints a line above the bar.
    pub fn println(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{msg}")),
            None => eprintln!("{msg}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What the pipeline needs.
pub(crate) struct Plan<'a> {
    pub sources: &'a [Source],
    pub read: ReadOpts,
    /// Records already done by an interrupted run.
    pub skip: u64,
    pub pool: &'a rayon::ThreadPool,
    pub ctx: Arc<Ctx>,
    pub checkpoint_every: Duration,
    /// Testing: fail, as if killed, after this many records are written.
    pub abort_after: Option<u64>,
}

/// Cuts records into batches and hands them to the pool.
struct Batcher<'a> {
    batch: Vec<Item>,
    bytes: u64,
    no: u64,
    budget: &'a Budget,
    pool: &'a rayon::ThreadPool,
    ctx: &'a Arc<Ctx>,
    tx: &'a crossbeam_channel::Sender<Msg>,
    counter: &'a Arc<AtomicU64>,
}

impl Batcher<'_> {
    fn push(&mut self, item: Item) -> bool {
        self.bytes += item.bytes;
        self.batch.push(item);
        if self.batch.len() >= BATCH_RECORDS || self.bytes >= BATCH_BYTES {
            return self.flush();
        }
        true
    }

    /// Spawns the current batch; false when the scan is aborted.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let charge = self.bytes + PER_RECORD * self.batch.len() as u64;
        if !self.budget.acquire(charge) {
            return false;
        }
        let items = std::mem::take(&mut self.batch);
        self.bytes = 0;
        let (tx, ctx, no) = (self.tx.clone(), self.ctx.clone(), self.no);
        let pos = self.counter.load(Ordering::Relaxed);
        self.no += 1;
        self.pool.spawn_fifo(move || {
            let outs: Vec<Out> = items.into_iter().map(|it| process(it, &ctx)).collect();
            // The writer is gone only when the scan failed; the batch no longer matters.
            let _ = tx.send(Msg::Batch {
                no,
                outs,
                pos,
                charge,
            });
        });
        true
    }
}

/// Runs the scan into `dest`. `totals` starts with the counts of an interrupted run and ends
/// with the counts of the whole output; `session` counts this run only.
pub(crate) fn run(
    plan: Plan,
    dest: &mut Dest,
    totals: &mut Stats,
    session: &mut Stats,
    progress: &Progress,
) -> Result<(), Error> {
    let threads = plan.pool.current_num_threads() as u64;
    // Enough for every thread to have a few batches queued; small next to any machine.
    let budget = Budget::new((16 << 20).max(threads * 32 * BATCH_BYTES));
    let abort = AtomicBool::new(false);
    let counter = Arc::new(AtomicU64::new(0));
    let (tx, rx) = crossbeam_channel::unbounded::<Msg>();

    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            // Owned here, so that the channel closes when the reader and every task are done.
            let tx = tx;
            let mut b = Batcher {
                batch: Vec::new(),
                bytes: 0,
                no: 0,
                budget: &budget,
                pool: plan.pool,
                ctx: &plan.ctx,
                tx: &tx,
                counter: &counter,
            };
            let mut seen = 0u64;
            let mut go = true;
            for src in plan.sources {
                read_source(src, plan.read, &counter, &mut |item| {
                    seen += 1;
                    if seen <= plan.skip {
                        // Done before the interruption: already in the output.
                        return !abort.load(Ordering::Relaxed);
                    }
                    go = b.push(item);
                    go
                });
                if !go || abort.load(Ordering::Relaxed) {
                    return;
                }
            }
            if b.flush() {
                let _ = tx.send(Msg::End {
                    batches: b.no,
                    seen,
                });
            }
        });
        let res = write_loop(&rx, dest, totals, session, progress, &budget, &plan);
        if res.is_err() {
            abort.store(true, Ordering::Relaxed);
            budget.abort();
        }
        drop(rx);
        reader.join().expect("the reader does not panic");
        res
    })
}

fn write_loop(
    rx: &crossbeam_channel::Receiver<Msg>,
    dest: &mut Dest,
    totals: &mut Stats,
    session: &mut Stats,
    progress: &Progress,
    budget: &Budget,
    plan: &Plan,
) -> Result<(), Error> {
    let mut pending: BTreeMap<u64, (Vec<Out>, u64, u64)> = BTreeMap::new();
    let mut next = 0u64;
    let mut end: Option<(u64, u64)> = None;
    let mut last_ckpt = Instant::now();
    loop {
        if let Some((batches, _)) = end {
            if next == batches {
                break;
            }
        }
        match rx.recv() {
            Ok(Msg::Batch {
                no,
                outs,
                pos,
                charge,
            }) => {
                pending.insert(no, (outs, pos, charge));
            }
            Ok(Msg::End { batches, seen }) => end = Some((batches, seen)),
            // Every sender is gone without an end: the reader stopped early (it only does so
            // when aborted, which the writer would know of) or a task died.
            Err(_) => return Err(Error::Internal("a batch of records was lost".into())),
        }
        while let Some((outs, pos, charge)) = pending.remove(&next) {
            for o in &outs {
                let kept = dest.write(o)?;
                totals.count(o, kept);
                session.count(o, kept);
            }
            drop(outs);
            budget.release(charge);
            next += 1;
            progress.update(pos, session, totals);
            if plan.abort_after.is_some_and(|n| totals.records >= n) {
                return Err(Error::Internal("stopped by --abort-after".into()));
            }
            if last_ckpt.elapsed() >= plan.checkpoint_every {
                dest.checkpoint(totals.records, totals, false)?;
                last_ckpt = Instant::now();
            }
        }
    }
    let (_, seen) = end.expect("the loop ends at the end");
    if seen < plan.skip {
        return Err(Error::Resume(format!(
            "the inputs hold {seen} records, fewer than the {} the interrupted scan had done: \
             they are not the inputs it read",
            plan.skip
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_blocks_until_released_and_admits_oversized_alone() {
        let b = Arc::new(Budget::new(10));
        assert!(b.acquire(6));
        assert!(b.acquire(4));
        let b2 = b.clone();
        let t = std::thread::spawn(move || b2.acquire(100));
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !t.is_finished(),
            "an oversized request waits for an empty budget"
        );
        b.release(6);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!t.is_finished());
        b.release(4);
        assert!(t.join().unwrap());
        let b3 = b.clone();
        let t = std::thread::spawn(move || b3.acquire(1));
        b.abort();
        assert!(!t.join().unwrap());
    }
}
