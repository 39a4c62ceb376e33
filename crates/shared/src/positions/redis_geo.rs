//! Positions in Redis: a GEO set `pos:geo` (member: worker id) for the search and a hash
//! `pos:state` (field: worker id) with the exact position and state, written together in
//! one MULTI so that a reader never sees one without the other. Both keys carry the
//! prefix and live [`POSITIONS_TTL`](super::POSITIONS_TTL) after the last report.

use super::{Filter, Nearby, POSITIONS_TTL, sort_nearby};
use crate::{CALL_TIMEOUT, SharedError};
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::{PositionSource, Presence};
use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Redis's GEO sets hold latitudes up to this (Web Mercator's limit).
const MAX_LAT: f64 = 85.051_128_78;

/// Half the earth's circumference: a radius that holds every point, kilometres.
const EVERYWHERE_KM: f64 = 20_040.0;

/// Minimum time between two "Redis unreachable" warnings.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// HMGET in slices of this many workers.
const CHUNK: usize = 1000;

/// Sets the online and accepting flags of a recorded worker, leaving the position and its
/// time as they are, in one step (a report between a read and a write is never lost);
/// refreshes the TTL as a report does. KEYS: state, geo; ARGV: worker, online, accepting,
/// TTL seconds. 1 when the worker was recorded.
const SET_FLAGS_LUA: &str = r"
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local head, tail = string.match(v, '^([^,]*,[^,]*,[^,]*),[01],[01],(.*)$')
if not head then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], head .. ',' .. ARGV[2] .. ',' .. ARGV[3] .. ',' .. tail)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
";

/// Records a report unless what is recorded is newer knowledge (a report or job's place
/// seen later; a home base is no knowledge), in one step, so that two reports racing from
/// two nodes leave the later one. KEYS: state, geo; ARGV: worker, encoded presence, lng,
/// lat, seen_at, TTL seconds. Returns the encoded presence recorded afterwards.
const REPORT_LUA: &str = r"
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  local source, seen = string.match(v, '^[^,]*,[^,]*,([^,]*),[01],[01],(.*)$')
  if source and source ~= 'home_base' and tonumber(seen) > tonumber(ARGV[5]) then
    return v
  end
end
redis.call('GEOADD', KEYS[2], ARGV[3], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return ARGV[2]
";

/// The Redis back end.
pub(super) struct RedisPositions {
    conn: ConnectionManager,
    geo: String,
    state: String,
    set_flags: Script,
    report: Script,
    last_warning: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisPositions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPositions")
            .field("geo", &self.geo)
            .finish()
    }
}

fn unavailable(e: redis::RedisError) -> SharedError {
    if matches!(e.kind(), redis::ErrorKind::Server(_)) || e.code().is_some() {
        SharedError::Refused(e.to_string())
    } else {
        SharedError::Unavailable(e.to_string())
    }
}

/// Refuses a latitude Redis's GEO sets cannot hold.
fn indexable(p: &Presence) -> Result<(), SharedError> {
    if p.at.lat.abs() > MAX_LAT {
        return Err(SharedError::Refused(format!(
            "latitude {} is beyond what Redis can index",
            p.at.lat
        )));
    }
    Ok(())
}

/// `lat,lng,source,online,accepting,seen_at`.
fn encode(p: &Presence) -> String {
    format!(
        "{},{},{},{},{},{}",
        p.at.lat,
        p.at.lng,
        p.source.code(),
        u8::from(p.online),
        u8::from(p.accepting),
        p.seen_at
    )
}

fn decode(s: &str) -> Option<Presence> {
    let mut it = s.split(',');
    let lat = it.next()?.parse().ok()?;
    let lng = it.next()?.parse().ok()?;
    let source = PositionSource::from_code(it.next()?)?;
    let online = it.next()? == "1";
    let accepting = it.next()? == "1";
    let seen_at = it.next()?.parse().ok()?;
    Some(Presence {
        at: LatLng::new(lat, lng),
        source,
        online,
        accepting,
        seen_at,
    })
}

impl RedisPositions {
    pub(super) async fn connect(url: &str, prefix: &str) -> Result<RedisPositions, SharedError> {
        crate::check_url(url)?;
        let client = redis::Client::open(url).map_err(|e| SharedError::Config(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn = tokio::time::timeout(
            CALL_TIMEOUT * 4,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| SharedError::Unavailable("connecting timed out".into()))?
        .map_err(unavailable)?;
        Ok(RedisPositions {
            conn,
            geo: format!("{prefix}pos:geo"),
            state: format!("{prefix}pos:state"),
            set_flags: Script::new(SET_FLAGS_LUA),
            report: Script::new(REPORT_LUA),
            last_warning: Mutex::new(None),
        })
    }

    /// The outcome of one call within the call timeout; an unreachable Redis is counted
    /// and warned about (once a minute), as the rate limiter does.
    fn settle<T>(
        &self,
        op: &'static str,
        r: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, SharedError> {
        let e = match r {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => unavailable(e),
            Err(_) => SharedError::Unavailable("no answer in time".into()),
        };
        if let SharedError::Unavailable(_) = &e {
            metrics::counter!("shared_state_redis_errors_total", "op" => op).increment(1);
            let mut last = self.last_warning.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
                *last = Some(Instant::now());
                tracing::warn!(op, error = %e, "Redis is unreachable; worker positions are not shared now and dispatch places workers by the database (home base, last job) (warned once a minute)");
            }
        }
        Err(e)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Pipeline) -> Result<T, SharedError> {
        let mut c = self.conn.clone();
        let r = tokio::time::timeout(CALL_TIMEOUT, cmd.query_async::<T>(&mut c)).await;
        self.settle("positions", r)
    }

    async fn one<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, SharedError> {
        let mut c = self.conn.clone();
        let r = tokio::time::timeout(CALL_TIMEOUT, cmd.query_async::<T>(&mut c)).await;
        self.settle("positions", r)
    }

    pub(super) async fn upsert(&self, worker: WorkerId, p: Presence) -> Result<(), SharedError> {
        indexable(&p)?;
        let id = worker.to_string();
        let ttl = POSITIONS_TTL.as_secs();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("GEOADD")
            .arg(&self.geo)
            .arg(p.at.lng)
            .arg(p.at.lat)
            .arg(&id)
            .ignore()
            .cmd("HSET")
            .arg(&self.state)
            .arg(&id)
            .arg(encode(&p))
            .ignore()
            .cmd("EXPIRE")
            .arg(&self.geo)
            .arg(ttl)
            .ignore()
            .cmd("EXPIRE")
            .arg(&self.state)
            .arg(ttl)
            .ignore();
        self.run::<()>(&pipe).await
    }

    pub(super) async fn report(
        &self,
        worker: WorkerId,
        p: Presence,
    ) -> Result<Presence, SharedError> {
        indexable(&p)?;
        let mut c = self.conn.clone();
        let mut call = self.report.key(&self.state);
        call.key(&self.geo)
            .arg(worker.to_string())
            .arg(encode(&p))
            .arg(p.at.lng)
            .arg(p.at.lat)
            .arg(p.seen_at)
            .arg(POSITIONS_TTL.as_secs());
        let r = tokio::time::timeout(CALL_TIMEOUT, call.invoke_async::<String>(&mut c)).await;
        let recorded = self.settle("positions", r)?;
        decode(&recorded)
            .ok_or_else(|| SharedError::Refused(format!("unreadable presence `{recorded}`")))
    }

    pub(super) async fn remove(&self, worker: WorkerId) -> Result<bool, SharedError> {
        let id = worker.to_string();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("ZREM")
            .arg(&self.geo)
            .arg(&id)
            .ignore()
            .cmd("HDEL")
            .arg(&self.state)
            .arg(&id);
        let (removed,): (i64,) = self.run(&pipe).await?;
        Ok(removed > 0)
    }

    pub(super) async fn get(&self, worker: WorkerId) -> Result<Option<Presence>, SharedError> {
        let v: Option<String> = self
            .one(redis::cmd("HGET").arg(&self.state).arg(worker.to_string()))
            .await?;
        Ok(v.as_deref().and_then(decode))
    }

    pub(super) async fn get_many(
        &self,
        workers: &[WorkerId],
    ) -> Result<HashMap<WorkerId, Presence>, SharedError> {
        let mut out = HashMap::new();
        for chunk in workers.chunks(CHUNK) {
            let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
            let values: Vec<Option<String>> = self
                .one(redis::cmd("HMGET").arg(&self.state).arg(&ids))
                .await?;
            for (w, v) in chunk.iter().zip(values) {
                if let Some(p) = v.as_deref().and_then(decode) {
                    out.insert(*w, p);
                }
            }
        }
        Ok(out)
    }

    pub(super) async fn set_flags(
        &self,
        worker: WorkerId,
        online: bool,
        accepting: bool,
    ) -> Result<bool, SharedError> {
        let mut c = self.conn.clone();
        let mut call = self.set_flags.key(&self.state);
        call.key(&self.geo)
            .arg(worker.to_string())
            .arg(u8::from(online))
            .arg(u8::from(accepting))
            .arg(POSITIONS_TTL.as_secs());
        let r = tokio::time::timeout(CALL_TIMEOUT, call.invoke_async::<i64>(&mut c)).await;
        Ok(self.settle("positions", r)? == 1)
    }

    pub(super) async fn len(&self) -> Result<usize, SharedError> {
        let n: i64 = self.one(redis::cmd("HLEN").arg(&self.state)).await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Members within `radius_km` of `at`, nearest first, at most `count`.
    async fn search(
        &self,
        at: LatLng,
        radius_km: f64,
        count: Option<usize>,
    ) -> Result<Vec<String>, SharedError> {
        let mut cmd = redis::cmd("GEOSEARCH");
        cmd.arg(&self.geo)
            .arg("FROMLONLAT")
            .arg(at.lng)
            .arg(at.lat)
            .arg("BYRADIUS")
            .arg(radius_km)
            .arg("km")
            .arg("ASC");
        if let Some(n) = count {
            cmd.arg("COUNT").arg(n);
        }
        self.one(&cmd).await
    }

    /// The recorded presences of `members` that `filter` keeps, with distances from `at`.
    async fn load(
        &self,
        at: LatLng,
        members: &[String],
        filter: Filter,
    ) -> Result<Vec<Nearby>, SharedError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<String>> = self
            .one(redis::cmd("HMGET").arg(&self.state).arg(members))
            .await?;
        let mut out = Vec::with_capacity(members.len());
        for (m, v) in members.iter().zip(values) {
            let (Ok(worker), Some(p)) = (m.parse::<WorkerId>(), v.as_deref().and_then(decode))
            else {
                continue;
            };
            if filter.keeps(&p) {
                out.push(Nearby {
                    worker,
                    presence: p,
                    distance_m: haversine_m(at, p.at),
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn within(
        &self,
        at: LatLng,
        radius_m: f64,
        filter: Filter,
    ) -> Result<Vec<Nearby>, SharedError> {
        // Redis measures on a slightly different sphere: ask a little wider, then keep
        // exactly what is within the radius by our own measure.
        let members = self
            .search(at, (radius_m * 1.01 + 10.0) / 1000.0, None)
            .await?;
        let mut out = self.load(at, &members, filter).await?;
        out.retain(|n| n.distance_m <= radius_m);
        sort_nearby(&mut out);
        Ok(out)
    }

    pub(super) async fn nearest(
        &self,
        at: LatLng,
        k: usize,
        filter: Filter,
    ) -> Result<Vec<Nearby>, SharedError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        // Ask for more than k when some may be filtered out, widening until enough pass
        // or the set is exhausted.
        let mut count = if filter == Filter::all() {
            k + 8
        } else {
            (2 * k).max(16)
        };
        loop {
            let members = self.search(at, EVERYWHERE_KM, Some(count)).await?;
            let exhausted = members.len() < count;
            let mut out = self.load(at, &members, filter).await?;
            sort_nearby(&mut out);
            if out.len() >= k + 8 || exhausted {
                out.truncate(k);
                return Ok(out);
            }
            count = count.saturating_mul(4);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presence_survives_its_redis_encoding() {
        let p = Presence {
            at: LatLng::new(31.230_412_345, 121.473_701_234),
            source: PositionSource::LastJob,
            online: true,
            accepting: false,
            seen_at: 1_795_996_800,
        };
        assert_eq!(decode(&encode(&p)), Some(p));
        assert_eq!(decode("31.2,121.4,gps,1,1,0"), None);
        assert_eq!(decode("31.2,121.4"), None);
    }
}
