//! A bounded pool of blocking workers with a bounded queue in front of it.
//!
//! Checking a text is CPU work, so it runs on tokio's blocking threads; a semaphore lets only
//! `workers` of them run at once, and only `max_queue` requests may wait for one. A burst past that
//! is refused at once (503) rather than piling up bodies in memory and answering late.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Why a job did not run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PoolError {
    /// The queue was full.
    Busy,
    /// No worker was free before the deadline.
    Timeout,
    /// The job panicked.
    Panicked,
}

/// See the module documentation.
pub(crate) struct Pool {
    workers: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_queue: usize,
}

/// Counts a waiting request for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    /// A pool of `workers` (at least 1) with room for `max_queue` waiting jobs.
    pub(crate) fn new(workers: usize, max_queue: usize) -> Pool {
        Pool {
            workers: Arc::new(Semaphore::new(workers.max(1))),
            waiting: AtomicUsize::new(0),
            max_queue,
        }
    }

    /// Runs `job` on a blocking thread once a worker is free, if one is free before `deadline`.
    pub(crate) async fn run<T, F>(&self, deadline: Instant, job: F) -> Result<T, PoolError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = match self.workers.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(PoolError::Busy);
                }
                let _w = Waiting(&self.waiting);
                match tokio::time::timeout_at(deadline, self.workers.clone().acquire_owned()).await
                {
                    Ok(p) => p.expect("the semaphore is never closed"),
                    Err(_) => return Err(PoolError::Timeout),
                }
            }
        };
        // The permit moves into the job: if the request gives up (deadline, client gone), the job
        // still holds its worker until it finishes, so the CPU is never oversubscribed.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .map_err(|_| PoolError::Panicked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_refuses_when_full_and_times_out() {
        let pool = Arc::new(Pool::new(1, 1));
        let far = Instant::now() + Duration::from_secs(10);
        assert_eq!(pool.run(far, || 7).await, Ok(7));

        // Occupy the only worker until told to stop.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let p = pool.clone();
        let busy = tokio::spawn(async move { p.run(far, move || rx.recv().ok()).await });
        while pool.workers.available_permits() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // One may wait...
        let p = pool.clone();
        let queued = tokio::spawn(async move { p.run(far, || 1).await });
        while pool.waiting.load(Ordering::Acquire) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // ...the next is refused at once.
        assert_eq!(pool.run(far, || 2).await, Err(PoolError::Busy));
        tx.send(()).unwrap();
        assert_eq!(busy.await.unwrap(), Ok(Some(())));
        assert_eq!(queued.await.unwrap(), Ok(1));
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0);

        // A deadline that passes while waiting.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let p = pool.clone();
        let busy = tokio::spawn(async move { p.run(far, move || rx.recv().ok()).await });
        while pool.workers.available_permits() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let soon = Instant::now() + Duration::from_millis(50);
        assert_eq!(pool.run(soon, || 3).await, Err(PoolError::Timeout));
        tx.send(()).unwrap();
        busy.await.unwrap().unwrap();
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_frees_its_worker() {
        let pool = Pool::new(1, 0);
        let far = Instant::now() + Duration::from_secs(10);
        assert_eq!(
            pool.run(far, || -> u8 { panic!("boom") }).await,
            Err(PoolError::Panicked)
        );
        assert_eq!(pool.run(far, || 4).await, Ok(4));
    }
}
