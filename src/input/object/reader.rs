//! An object's bytes as a blocking [`Read`], fetched by range requests in the background.
//!
//! A task on the object-store runtime cuts the object into parts of [`Plan::part`] bytes and
//! fetches them with up to [`Plan::in_flight`] range requests at once, handing the parts over in
//! order through a channel of [`Plan::queued`] parts; the reader's thread blocks on that
//! channel. So at most `in_flight + queued + 1` parts are in memory for an object being read
//! (with the defaults, 4 + 2 + 1 parts of 8 MiB: 56 MiB), however large the object, and a slow
//! scan holds the fetching back instead of buffering ahead. When several objects are read at
//! once, each gets parts of a share of that size ([`Plan::shared`]), so the run as a whole holds
//! no more.
//!
//! Every range request carries the entity tag the object had when it was listed (`If-Match`),
//! so an object replaced during the read is an error rather than a mix of two versions. A
//! server that answers a range request with the whole object (a plain web server without range
//! support) is read with one streamed request instead. The reader checks that it got exactly the
//! size the listing gave; dropping it stops the fetching.

use std::io::{self, Read};
use std::ops::Range;

use bytes::{Buf, Bytes};
use futures_util::{StreamExt, TryStreamExt, stream};
use object_store::path::Path;
use object_store::{GetOptions, GetRange};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Object;
use super::store::Store;

/// How an object is fetched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Bytes per range request.
    pub part: u64,
    /// Range requests in flight at once.
    pub in_flight: usize,
    /// Fetched parts waiting for the reader.
    pub queued: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            part: 8 << 20,
            in_flight: 4,
            queued: 2,
        }
    }
}

impl Plan {
    /// The plan of one of `objects` objects read at once: the default's requests in flight,
    /// with parts of an equal share of its size (at least 1 MiB), so that all of them together
    /// hold about what one object alone would.
    pub(crate) fn shared(objects: usize) -> Plan {
        let plan = Plan::default();
        Plan {
            part: (plan.part / objects.max(1) as u64).max(1 << 20),
            ..plan
        }
    }
}

/// Turns a store error into the message a reader returns (it does not name the object: the
/// scanner does).
type Explain = Box<dyn Fn(&object_store::Error) -> String + Send + Sync>;

/// What the fetching task hands over: a part, or the error that ended the object.
type Part = Result<Bytes, String>;

/// A blocking reader of one object.
pub(crate) struct ObjectReader {
    /// Parts in order, from the fetching task.
    parts: mpsc::Receiver<Part>,
    /// The rest of the part being read.
    current: Bytes,
    /// The fetching task, stopped when the reader is dropped.
    task: JoinHandle<()>,
    /// The object's size, as listed.
    size: u64,
    /// Bytes handed out so far.
    read: u64,
}

impl ObjectReader {
    /// Starts fetching `object` (at `location` in `store`) on `runtime`.
    pub(crate) fn start(
        runtime: &Handle,
        store: Store,
        location: Path,
        object: &Object,
        plan: Plan,
        explain: impl Fn(&object_store::Error) -> String + Send + Sync + 'static,
    ) -> ObjectReader {
        let (tx, rx) = mpsc::channel(plan.queued.max(1));
        let fetch = Fetch {
            store,
            location,
            size: object.size,
            etag: object.etag.clone(),
            plan,
            explain: Box::new(explain),
            tx,
        };
        ObjectReader {
            parts: rx,
            current: Bytes::new(),
            task: runtime.spawn(fetch.run()),
            size: object.size,
            read: 0,
        }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            match self.parts.blocking_recv() {
                Some(Ok(part)) => self.current = part,
                Some(Err(message)) => return Err(io::Error::other(message)),
                None if self.read == self.size => return Ok(0),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the object ended after {} of the {} bytes it was listed with (it \
                             was replaced or cut while being read, or the fetching stopped); \
                             scan it again",
                            self.read, self.size
                        ),
                    ));
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        self.read += n as u64;
        if self.read > self.size {
            return Err(io::Error::other(format!(
                "the object holds more than the {} bytes it was listed with (it was replaced \
                 while being read); scan it again",
                self.size
            )));
        }
        Ok(n)
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The fetching task of one object.
struct Fetch {
    /// Its store.
    store: Store,
    /// Its key.
    location: Path,
    /// Its size, as listed.
    size: u64,
    /// Its entity tag, as listed.
    etag: Option<String>,
    /// Part size and concurrency.
    plan: Plan,
    /// How errors are told.
    explain: Explain,
    /// Where the parts go.
    tx: mpsc::Sender<Part>,
}

impl Fetch {
    /// Fetches the parts in order until the object is read, an error ends it, or the reader is
    /// gone.
    async fn run(self) {
        let ranges: Vec<Range<u64>> = (0..self.size)
            .step_by(usize::try_from(self.plan.part.max(1)).unwrap_or(usize::MAX))
            .map(|start| start..self.size.min(start + self.plan.part))
            .collect();
        let mut parts = stream::iter(ranges)
            .map(|range| self.part(range))
            .buffered(self.plan.in_flight.max(1));
        let mut first = true;
        while let Some(part) = parts.next().await {
            let part = match part {
                Err(e) if first && ignores_ranges(&e) => {
                    drop(parts);
                    return self.whole().await;
                }
                Err(e) => Err((self.explain)(&e)),
                Ok(bytes) => Ok(bytes),
            };
            first = false;
            let failed = part.is_err();
            if self.tx.send(part).await.is_err() || failed {
                return;
            }
        }
    }

    /// The request options every read of this object carries.
    fn options(&self, range: Option<Range<u64>>) -> GetOptions {
        GetOptions {
            if_match: self.etag.clone(),
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        }
    }

    /// Fetches one part.
    async fn part(&self, range: Range<u64>) -> object_store::Result<Bytes> {
        let got = self
            .store
            .get_opts(&self.location, self.options(Some(range)))
            .await?;
        got.bytes().await
    }

    /// Reads the object with one streamed request, for a server that does not do ranges.
    async fn whole(self) {
        let got = self
            .store
            .get_opts(&self.location, self.options(None))
            .await;
        let mut body = match got {
            Ok(got) => got.into_stream(),
            Err(e) => {
                let _ = self.tx.send(Err((self.explain)(&e))).await;
                return;
            }
        };
        loop {
            let part = match body.try_next().await {
                Ok(Some(bytes)) => Ok(bytes),
                Ok(None) => return,
                Err(e) => Err((self.explain)(&e)),
            };
            let failed = part.is_err();
            if self.tx.send(part).await.is_err() || failed {
                return;
            }
        }
    }
}

/// Did the server say it does not do ranges (`Accept-Ranges: none`, or no such header), or
/// answer a range request with the whole object?
fn ignores_ranges(e: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if text.contains("Range request not supported") || text.contains("non-partial response") {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::super::store::runtime;
    use super::super::{Scheme, Uri};
    use super::*;

    /// `bytes` stored in memory as `key`, and the object as a listing would give it.
    fn stored(key: &str, bytes: &[u8]) -> (Store, Object) {
        let store = Arc::new(InMemory::new());
        let rt = runtime().expect("runtime");
        let put = rt
            .block_on(store.put(&Path::from(key), PutPayload::from(bytes.to_vec())))
            .expect("put");
        let object = Object {
            uri: Uri {
                text: format!("s3://test/{key}"),
                scheme: Scheme::S3,
                bucket: "test".to_owned(),
                key: key.to_owned(),
            },
            size: bytes.len() as u64,
            etag: put.e_tag,
        };
        (store, object)
    }

    fn reader(store: &Store, object: &Object, plan: Plan) -> ObjectReader {
        let rt = runtime().expect("runtime");
        let location = Path::from(object.uri.key.as_str());
        ObjectReader::start(
            rt.handle(),
            Arc::clone(store),
            location,
            object,
            plan,
            ToString::to_string,
        )
    }

    /// Bytes that show any reordering of parts.
    fn counting(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn parts_come_back_in_order_whatever_the_part_size_and_concurrency() {
        let bytes = counting(10_000);
        let (store, object) = stored("audit.log", &bytes);
        for (part, in_flight, queued) in [
            (1, 1, 1),
            (7, 3, 1),
            (999, 4, 2),
            (10_000, 2, 2),
            (1 << 20, 4, 2),
        ] {
            let plan = Plan {
                part,
                in_flight,
                queued,
            };
            let mut out = Vec::new();
            reader(&store, &object, plan)
                .read_to_end(&mut out)
                .expect("reads");
            assert!(out == bytes, "{plan:?}");
        }
    }

    #[test]
    fn an_empty_object_is_read_without_a_request() {
        let (store, object) = stored("empty.log", b"");
        let mut out = Vec::new();
        let n = reader(&store, &object, Plan::default())
            .read_to_end(&mut out)
            .expect("reads");
        assert_eq!(n, 0);
    }

    #[test]
    fn an_object_replaced_while_it_is_read_is_an_error() {
        let bytes = counting(4_000);
        let (store, object) = stored("live.log", &bytes);
        let plan = Plan {
            part: 100,
            in_flight: 1,
            queued: 1,
        };
        let mut read = reader(&store, &object, plan);
        let mut head = [0; 100];
        read.read_exact(&mut head).expect("the first part");
        runtime()
            .expect("runtime")
            .block_on(store.put(&Path::from("live.log"), PutPayload::from(vec![b'x'; 4_000])))
            .expect("replace");
        let mut rest = Vec::new();
        let err = read.read_to_end(&mut rest).expect_err("replaced");
        assert!(err.to_string().contains("precondition"), "{err}");
        assert!(
            bytes.starts_with(&[&head[..], &rest[..]].concat()),
            "only the old version"
        );
    }

    #[test]
    fn an_object_shorter_than_listed_is_an_error() {
        let (store, mut object) = stored("short.log", &counting(500));
        object.size = 600;
        object.etag = None;
        let mut out = Vec::new();
        let err = reader(
            &store,
            &object,
            Plan {
                part: 200,
                in_flight: 2,
                queued: 1,
            },
        )
        .read_to_end(&mut out)
        .expect_err("short");
        assert!(!err.to_string().is_empty());
        assert!(out.len() <= 500);
    }

    #[test]
    fn dropping_the_reader_stops_the_fetching() {
        let (store, object) = stored("big.log", &counting(100_000));
        let plan = Plan {
            part: 10,
            in_flight: 2,
            queued: 1,
        };
        let mut read = reader(&store, &object, plan);
        let mut head = [0; 10];
        read.read_exact(&mut head).expect("the first part");
        let task = read.task.abort_handle();
        drop(read);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !task.is_finished() {
            assert!(std::time::Instant::now() < deadline, "the task still runs");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
