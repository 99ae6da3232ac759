package io.syncgate.config;

import java.util.List;

/**
 * How replication reads are made fit for PouchDB on the way back from Sync Gateway.
 *
 * @param databases the databases whose replication reads lose the members PouchDB refuses (SG 4's {@code _cv})
 * @param jsonBulkGet whether a JSON {@code _bulk_get} is answered by re-encoding SG's multipart answer
 */
public record PouchDbPolicy(List<String> databases, boolean jsonBulkGet) {

  public static final boolean DEFAULT_JSON_BULK_GET = true;

  public PouchDbPolicy {
    databases = List.copyOf(databases);
  }
}
