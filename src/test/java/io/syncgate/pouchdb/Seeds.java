package io.syncgate.pouchdb;

import java.util.Random;

/**
 * A small property runner: a property is tried with each of a fixed run of seeds, so every run is
 * the same and a failure names the seed that reproduces it ({@code Seeds.one(seed, property)}).
 */
final class Seeds {

  /** A property of one seeded source of randomness. */
  interface Property {
    void check(Random random) throws Exception;
  }

  private Seeds() {}

  /** Tries {@code property} with seeds {@code first} to {@code first + count - 1}. */
  static void each(long first, int count, Property property) {
    for (long seed = first; seed < first + count; seed++) {
      one(seed, property);
    }
  }

  static void one(long seed, Property property) {
    try {
      property.check(new Random(seed));
    } catch (Exception | AssertionError e) {
      throw new AssertionError("failed with seed " + seed + " (reproduce: Seeds.one(" + seed + "L, …)): " + e, e);
    }
  }
}
