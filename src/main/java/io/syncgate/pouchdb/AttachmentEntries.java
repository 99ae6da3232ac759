package io.syncgate.pouchdb;

import io.syncgate.pouchdb.DocumentFilter.Slot;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A document's {@code _attachments} as {@link BulkGetEncoder} re-encodes it, read as it streams and
 * never held whole. An entry SG sent inline (its {@code data}, or a stub) passes on byte for byte;
 * of an entry whose bytes follow as a part of their own, only its small members (digest, length,
 * revpos, content type…) are kept until that part comes, at most {@link #MAX_FOLLOWING_METADATA}
 * for the document. An entry is held only until a member says which it is
 * ({@link #MAX_UNDECIDED_ENTRY}; past it, it streams on as inline).
 *
 * <p>Inline entries are held aside while they are few ({@link #MAX_HELD_ENTRIES}), so the rest of
 * the document streams and {@code _attachments} is written after it. Past that they stream in the
 * member's place, and if entries follow, the rest of the document is held instead
 * ({@link DocumentFilter#MAX_HELD_BYTES}). Either way a hostile document costs one request a
 * bounded amount, and a request past a bound fails alone.
 */
final class AttachmentEntries implements DocumentFilter.MemberRewrite {

  static final int MAX_FOLLOWING_METADATA = 64 * 1024;
  static final int MAX_UNDECIDED_ENTRY = 64 * 1024;
  static final int MAX_HELD_ENTRIES = 64 * 1024;
  private static final int MAX_NAME_BYTES = 4096;

  private enum Kind { NONE, UNDECIDED, INLINE, FOLLOWING }

  private record Member(String name, long start, long end) {}

  private final JsonScanner scanner = new JsonScanner(new Tokens(), MAX_NAME_BYTES);
  private final Map<String, byte[]> following = new LinkedHashMap<>();
  private int followingBytes;
  private boolean started;
  private boolean begun;
  private int membersBefore;
  private Buffer held = Buffer.buffer();
  private Slot slot;
  private int entries;
  private Buffer out;

  private int depth;
  private long offset;
  private Buffer window = Buffer.buffer();
  private long windowStart;
  private Kind kind = Kind.NONE;
  private boolean speculative;
  private String entryName;
  private long entryStart;
  /** Where the bytes between entries began: the next entry's name is among them. */
  private long gapStart;
  private long emittedTo;
  private String memberName;
  private long memberStart;
  private final List<Member> members = new ArrayList<>();
  private ByteArrayOutputStream meta;

  /** Whether the document had an {@code _attachments} member. */
  boolean started() {
    return started;
  }

  /** What was left in the member's place; null before its end. */
  Slot slot() {
    return slot;
  }

  /** The kept members of the following entry {@code name}, comma-separated; each is taken once. */
  byte[] takeFollowing(String name) {
    byte[] kept = following.remove(name);
    if (kept == null) {
      throw new IllegalStateException("a _bulk_get attachment part matches no following attachment");
    }
    return kept;
  }

  boolean allFollowingCame() {
    return following.isEmpty();
  }

  /** The comma before the next entry written, if one is due. */
  String separator() {
    return entries++ > 0 ? "," : "";
  }

  /** The inline entries held aside, once: written by the caller when it opens {@code _attachments}. */
  Buffer takeHeld() {
    Buffer entriesHeld = held;
    held = Buffer.buffer();
    return entriesHeld;
  }

  @Override
  public void start(int membersBefore, Buffer out) {
    if (started) {
      throw new IllegalStateException("a document has two _attachments");
    }
    started = true;
    this.membersBefore = membersBefore;
  }

  @Override
  public void feed(byte[] bytes, int from, int length, Buffer out) {
    this.out = out;
    int at = from;
    int to = from + length;
    while (!begun && at < to && (bytes[at] == ':' || Character.isWhitespace(bytes[at]))) {
      at++;
    }
    if (at < to) {
      begun = true;
      window.appendBytes(bytes, at, to - at);
      scanner.feed(bytes, at, to);
      offset += to - at;
    }
    if (kind == Kind.INLINE) {
      emit(offset);
    } else if (kind == Kind.FOLLOWING && followingBytes + offset - memberStart > MAX_FOLLOWING_METADATA) {
      throw new IllegalStateException("a document's following attachments have over "
          + MAX_FOLLOWING_METADATA / 1024 + " KiB of metadata");
    } else if (kind == Kind.NONE && offset - gapStart > MAX_UNDECIDED_ENTRY) {
      throw new IllegalStateException("a document's _attachments have an over-long name or gap");
    } else if (kind == Kind.UNDECIDED && offset - entryStart > MAX_UNDECIDED_ENTRY) {
      // Still no data, stub or follows member: inline, as SG's inline entries are.
      speculative = true;
      decide(Kind.INLINE);
      emit(offset);
    }
    trim();
    this.out = null;
  }

  @Override
  public Slot end(Buffer out) {
    scanner.end();
    if (held == null) {
      if (following.isEmpty()) {
        out.appendString("}");
        slot = Slot.FILLED;
      } else {
        slot = Slot.FILLED_HOLD_REST;
      }
    } else if (following.isEmpty()) {
      out.appendString(membersBefore > 0 ? "," : "").appendString("\"_attachments\":{").appendBuffer(takeHeld())
          .appendString("}");
      slot = Slot.FILLED;
    } else {
      slot = Slot.EMPTY;
    }
    return slot;
  }

  /** Whether the entries are being written in the member's place, {@code _attachments} left open there. */
  boolean inPlace() {
    return held == null;
  }

  private final class Tokens implements JsonScanner.Tokens {
    @Override
    public void startContainer(boolean object, long start, long end) {
      depth++;
      if (depth <= 2 && !object) {
        throw new IllegalStateException("a document's _attachments are not objects");
      }
    }

    @Override
    public void endContainer(boolean object, long start, long end) {
      depth--;
      if (depth == 1) {
        entryEnded(end);
      } else if (depth == 2) {
        memberEnded(end);
      }
    }

    @Override
    public void name(String name, long start, long end) {
      if (depth == 1) {
        if (name == null) {
          throw new IllegalStateException("an attachment's name is over " + MAX_NAME_BYTES + " bytes");
        }
        entryName = name;
        entryStart = start;
        kind = Kind.UNDECIDED;
        speculative = false;
        members.clear();
      } else if (depth == 2) {
        memberName = name;
        memberStart = start;
        if ("follows".equals(name) && speculative) {
          throw new IllegalStateException("an attachment that follows has over " + MAX_UNDECIDED_ENTRY / 1024
              + " KiB of metadata");
        }
        if (kind == Kind.UNDECIDED && ("data".equals(name) || "stub".equals(name))) {
          decide(Kind.INLINE);
        } else if (kind == Kind.UNDECIDED && "follows".equals(name)) {
          decide(Kind.FOLLOWING);
        }
      }
    }

    @Override
    public void scalar(long start, long end, String text) {
      if (depth == 2) {
        memberEnded(end);
      } else if (depth == 0) {
        throw new IllegalStateException("a document's _attachments are not an object");
      }
    }
  }

  private void decide(Kind decided) {
    kind = decided;
    if (decided == Kind.INLINE) {
      target().appendString(separator());
      emittedTo = entryStart;
    } else {
      meta = new ByteArrayOutputStream();
      members.forEach(this::keepMeta);
      members.clear();
    }
  }

  private void memberEnded(long end) {
    Member member = new Member(memberName, memberStart, end);
    if (kind == Kind.UNDECIDED) {
      members.add(member);
    } else if (kind == Kind.FOLLOWING) {
      keepMeta(member);
    }
  }

  private void keepMeta(Member member) {
    String name = member.name();
    if ("follows".equals(name) || "stub".equals(name) || "data".equals(name)) {
      return;
    }
    int length = (int) (member.end() - member.start());
    followingBytes += length + 1;
    if (followingBytes > MAX_FOLLOWING_METADATA) {
      throw new IllegalStateException("a document's following attachments have over "
          + MAX_FOLLOWING_METADATA / 1024 + " KiB of metadata");
    }
    if (meta.size() > 0) {
      meta.write(',');
    }
    meta.write(window.getBytes(), (int) (member.start() - windowStart), length);
  }

  private void entryEnded(long end) {
    if (kind == Kind.UNDECIDED) {
      decide(Kind.INLINE);
    }
    if (kind == Kind.INLINE) {
      emit(end);
    } else if (following.put(entryName, meta.toByteArray()) != null) {
      throw new IllegalStateException("a document names one following attachment twice");
    }
    kind = Kind.NONE;
    gapStart = end;
    meta = null;
  }

  private Buffer target() {
    return held == null ? out : held;
  }

  /** Passes on the inline entry's bytes up to {@code to}; too many held aside, they move into place. */
  private void emit(long to) {
    if (to > emittedTo) {
      target().appendBuffer(window, (int) (emittedTo - windowStart), (int) (to - emittedTo));
      emittedTo = to;
    }
    if (held != null && held.length() > MAX_HELD_ENTRIES) {
      out.appendString(membersBefore > 0 ? "," : "").appendString("\"_attachments\":{").appendBuffer(held);
      held = null;
    }
  }

  /** Drops the bytes no decision needs any more. */
  private void trim() {
    long keepFrom = switch (kind) {
      case NONE -> gapStart;
      case INLINE -> emittedTo;
      case UNDECIDED -> entryStart;
      case FOLLOWING -> Math.min(memberStart, offset);
    };
    int drop = (int) (keepFrom - windowStart);
    if (drop > 0) {
      window = window.getBuffer(drop, window.length());
      windowStart = keepFrom;
    }
  }
}
