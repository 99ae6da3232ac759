package io.syncgate.session;

import io.syncgate.backend.Backend;
import io.syncgate.identity.LogoutSubject;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider logouts every instance honours: which subjects and provider sessions
 * ({@link LogoutSubject} keys) were logged out, when, and until when their tokens are refused.
 * Instances share no memory, so the list lives in Sync Gateway, as one {@code _local} document
 * (never replicated) of the first database, written through the Admin API with its revision (a
 * concurrent writer makes the write read and merge again) and read by every instance every
 * refresh interval. Entries are dropped once past their time to be kept.
 *
 * <p>A signed-in user can reach {@code _local} documents through Sync Gateway's public API, so the
 * document is signed with the cookie secret (HMAC-SHA256 over its entries, the secrets every
 * instance shares): one whose signature no secret matches is ignored, so a user can neither log
 * another out nor lift a logout by writing it, and one of over {@link #MOST_ENTRIES} is not checked.
 */
final class LogoutList implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LogoutList.class);
  static final String DOCUMENT = "syncgate-backchannel-logouts";
  /** Writers racing for the document; each lost race costs a read and a write. */
  static final int WRITE_ATTEMPTS = 8;
  /** More entries than this are no list Syncgate wrote: it is not even checked. */
  static final int MOST_ENTRIES = 100_000;

  /** A logout at {@code at} (the provider's clock), kept until {@code until}. */
  record Entry(Instant at, Instant until) {
    Entry later(Entry other) {
      return other == null ? this : new Entry(at.isAfter(other.at) ? at : other.at,
          until.isAfter(other.until) ? until : other.until);
    }
  }

  private final Vertx vertx;
  private final Backend backend;
  private final String db;
  private final Clock clock;
  private final Duration memory;
  private final Consumer<Map<String, Entry>> learned;
  private final List<SecretKeySpec> keys;
  private final AtomicBoolean reading = new AtomicBoolean();
  private final long timer;
  private volatile Map<String, Entry> entries = Map.of();
  private Future<Void> writing = Future.succeededFuture();
  /** The revision of the last unsigned document warned about. */
  private volatile Object lastIgnored;

  /** @param learned told of entries new to this instance (read from the document or added here), on no particular thread */
  /** @param secrets the cookie secrets, the current first: it signs, any of them verifies */
  LogoutList(Vertx vertx, Backend backend, String db, Clock clock, Duration memory, Duration refresh,
      List<String> secrets, Consumer<Map<String, Entry>> learned) {
    this.keys = secrets.stream().map(secret -> new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8),
        "HmacSHA256")).toList();
    this.vertx = vertx;
    this.backend = backend;
    this.db = db;
    this.clock = clock;
    this.memory = memory;
    this.learned = learned;
    this.timer = vertx.setPeriodic(1, refresh.toMillis(), id -> refresh());
  }

  /** Whether a logout known here ended the token {@code origin} names. */
  boolean refuses(LogoutSubject origin) {
    return ends(entries, origin);
  }

  /** Whether one of {@code logouts} ended the token {@code origin} names. */
  static boolean ends(Map<String, Entry> logouts, LogoutSubject origin) {
    return origin != null && (ends(logouts, origin.subjectKey(), origin) || ends(logouts, origin.sessionKey(), origin));
  }

  private static boolean ends(Map<String, Entry> logouts, String key, LogoutSubject origin) {
    // Map.copyOf's maps refuse to look up null.
    Entry entry = key == null ? null : logouts.get(key);
    return entry != null && origin.endedBy(key, entry.at());
  }

  /** Adds a logout here at once and to the shared document; fails when Sync Gateway cannot be written. */
  Future<Void> add(LogoutSubject logout) {
    Instant keep = latest(logout.issuedAt(), clock.instant()).plus(memory);
    Map<String, Entry> added = new HashMap<>();
    for (String key : new String[] {logout.subjectKey(), logout.sessionKey()}) {
      if (key != null) {
        added.put(key, new Entry(logout.issuedAt(), keep));
      }
    }
    learn(added);
    synchronized (this) {
      // One write at a time from this instance: only other instances' writes can meet a 409.
      Future<Void> mine = writing.transform(previous -> write(added, 1));
      writing = mine;
      return mine;
    }
  }

  private Future<Void> write(Map<String, Entry> added, int attempt) {
    return backend.localDocument(db, DOCUMENT).compose(current -> {
      Map<String, Entry> merged = merge(parse(current), added);
      JsonObject logouts = render(merged);
      JsonObject document = new JsonObject().put("logouts", logouts).put("mac", mac(keys.get(0), logouts));
      if (current != null && current.getString("_rev") != null) {
        document.put("_rev", current.getString("_rev"));
      }
      return backend.putLocalDocument(db, DOCUMENT, document);
    }).compose(written -> {
      if (written) {
        return Future.succeededFuture();
      }
      if (attempt >= WRITE_ATTEMPTS) {
        return Future.failedFuture(new IllegalStateException(
            "the logout list was written by others " + WRITE_ATTEMPTS + " times while this instance tried"));
      }
      return write(added, attempt + 1);
    });
  }

  /** Reads the document, one read at a time; a failed read keeps what is known. */
  private void refresh() {
    if (!reading.compareAndSet(false, true)) {
      return;
    }
    backend.localDocument(db, DOCUMENT)
        .onSuccess(document -> learn(parse(document)))
        .onFailure(e -> log.debug("cannot read the logout list: {}", e.toString()))
        .onComplete(done -> reading.set(false));
  }

  private void learn(Map<String, Entry> read) {
    Map<String, Entry> fresh = new HashMap<>();
    synchronized (this) {
      Map<String, Entry> known = entries;
      read.forEach((key, entry) -> {
        Entry had = known.get(key);
        if (had == null || entry.at().isAfter(had.at())) {
          fresh.put(key, entry);
        }
      });
      entries = Map.copyOf(merge(known, read));
    }
    // Outside the lock: ending streams and sessions is no reason to hold up another read.
    if (!fresh.isEmpty()) {
      learned.accept(Map.copyOf(fresh));
    }
  }

  /** Both lists, the later of two entries of one key, without entries past their time. */
  private Map<String, Entry> merge(Map<String, Entry> one, Map<String, Entry> other) {
    Instant now = clock.instant();
    Map<String, Entry> merged = new HashMap<>(one);
    other.forEach((key, entry) -> merged.merge(key, entry, Entry::later));
    merged.values().removeIf(entry -> !now.isBefore(entry.until()));
    return merged;
  }

  /**
   * {@code {"logouts": {key: [at, until]}, "mac": …}}, in epoch seconds; anything else in it is
   * ignored, and so is the whole document when it is too large or its signature is not ours.
   */
  private Map<String, Entry> parse(JsonObject document) {
    Map<String, Entry> read = new HashMap<>();
    if (document == null || !(document.getValue("logouts") instanceof JsonObject logouts)) {
      return read;
    }
    if (logouts.size() > MOST_ENTRIES || !(document.getValue("mac") instanceof String mac)
        || keys.stream().noneMatch(key -> MessageDigest.isEqual(
            mac(key, logouts).getBytes(StandardCharsets.US_ASCII), mac.getBytes(StandardCharsets.US_ASCII)))) {
      Object seen = document.getValue("_rev");
      if (!java.util.Objects.equals(seen, lastIgnored)) {
        // Once per revision, not at every read.
        lastIgnored = seen;
        log.warn("the logout list in _local/{} of {} is not signed with a cookie secret of this instance:"
            + " ignored (written by a client, or by an instance with other secrets)", DOCUMENT, db);
      }
      return read;
    }
    logouts.forEach(field -> {
      if (field.getValue() instanceof JsonArray times && times.size() == 2
          && times.getValue(0) instanceof Number at && times.getValue(1) instanceof Number until) {
        read.put(field.getKey(), new Entry(Instant.ofEpochSecond(at.longValue()), Instant.ofEpochSecond(until.longValue())));
      }
    });
    return read;
  }

  /** HMAC-SHA256 of the entries in key order, one {@code key at until} line each, in Base64url. */
  private static String mac(SecretKeySpec key, JsonObject logouts) {
    StringBuilder text = new StringBuilder();
    // getValue, not the map's raw values: a document read back holds Lists where one written holds JsonArrays.
    new TreeSet<>(logouts.fieldNames()).forEach(name -> text.append(name).append(' ')
        .append(logouts.getValue(name) instanceof JsonArray times ? times.encode() : "?").append('\n'));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject render(Map<String, Entry> entries) {
    JsonObject logouts = new JsonObject();
    entries.forEach((key, entry) -> logouts.put(key,
        new JsonArray().add(entry.at().getEpochSecond()).add(entry.until().getEpochSecond())));
    return logouts;
  }

  private static Instant latest(Instant one, Instant other) {
    return one.isAfter(other) ? one : other;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }
}
