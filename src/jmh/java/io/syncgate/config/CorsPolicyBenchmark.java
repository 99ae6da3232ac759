package io.syncgate.config;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the CORS decision costs on every request that carries an {@code Origin}: a database open
 * to a web app, its Ionic/Capacitor shells and its preview deployments.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class CorsPolicyBenchmark {

  private final CorsPolicy policy = new CorsPolicy(List.of("https://todo.example.com", "http://localhost",
      "capacitor://localhost", "ionic://localhost", "https://*.preview.example.com"), CorsPolicy.DEFAULT_MAX_AGE);
  private final String exact = "capacitor://localhost";
  private final String pattern = "https://pr-1234.preview.example.com";
  private final String refused = "https://todo.example.com.attacker.net";

  @Setup
  public void checkTheDecisions() {
    if (!exactOrigin() || !patternOrigin() || refusedOrigin()) {
      throw new IllegalStateException("the benchmark's origins are decided otherwise than expected");
    }
  }

  @Benchmark
  public boolean exactOrigin() {
    return policy.allows(exact);
  }

  @Benchmark
  public boolean patternOrigin() {
    return policy.allows(pattern);
  }

  /** Every entry compared, none matching. */
  @Benchmark
  public boolean refusedOrigin() {
    return policy.allows(refused);
  }
}
