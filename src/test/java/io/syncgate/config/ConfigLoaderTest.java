package io.syncgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.syncgate.config.CookiePolicy.SameSite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private static final String MINIMAL = """
      oidc:
        issuer: https://idp.example.com/realms/app
        audiences: [app]
      sync_gateway:
        public_url: http://sg.internal:4984
        admin_url: http://127.0.0.1:4985/
        admin_username: syncgate
        admin_password: secret
        databases: [todo]
      """;

  private static List<String> problems(String yaml, Map<String, String> env) {
    return catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, env)).problems();
  }

  @Test
  void aMinimalFileGetsTheDocumentedDefaults() throws Exception {
    SyncgateConfig config = ConfigLoader.parse(MINIMAL, Map.of());

    assertThat(config.listen()).isEqualTo(new Listener("0.0.0.0", 8080));
    assertThat(config.management()).isEqualTo(new Listener("127.0.0.1", 9090));
    assertThat(config.basePath()).isEmpty();
    assertThat(config.issuers().get(0).issuer()).isEqualTo("https://idp.example.com/realms/app");
    assertThat(config.issuers().get(0).usernameClaim()).isEqualTo("sub");
    assertThat(config.issuers().get(0).algorithms()).containsExactlyInAnyOrderElementsOf(OidcConfig.DEFAULT_ALGORITHMS);
    assertThat(config.issuers().get(0).clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.syncGateway().adminUrl().toString()).isEqualTo("http://127.0.0.1:4985");
    assertThat(config.syncGateway().sessionCookieName()).isEqualTo("SyncGatewaySession");
    assertThat(config.session().maxTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(config.cookie()).isEqualTo(new CookiePolicy(true, SameSite.LAX));
    assertThat(config.access()).isEqualTo(new AccessPolicy(false, false));
  }

  @Test
  void environmentVariablesOverrideTheFile() throws Exception {
    SyncgateConfig config = ConfigLoader.parse(MINIMAL, Map.of(
        "SYNCGATE_LISTEN_PORT", "4984",
        "SYNCGATE_LISTEN_BASE_PATH", "/sync/",
        "SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", "from-env",
        "SYNCGATE_OIDC_AUDIENCES", "app, mobile",
        "SYNCGATE_SESSION_MAX_TTL", "90m"));

    assertThat(config.listen().port()).isEqualTo(4984);
    assertThat(config.basePath()).isEqualTo("/sync");
    assertThat(config.syncGateway().adminPassword()).isEqualTo("from-env");
    assertThat(config.issuers().get(0).audiences()).containsExactlyInAnyOrder("app", "mobile");
    assertThat(config.session().maxTtl()).isEqualTo(Duration.ofMinutes(90));
  }

  @Test
  void everyProblemIsReportedAtOnceNamingItsKey() {
    List<String> problems = problems("""
        listen:
          port: 99999
        oidc:
          issuer: ftp://idp
          algorithms: [RS256, HS256, none]
          clock_skew: soon
        sync_gateway:
          public_url: http://sg:4984
          admin_username: syncgate
          databases: [Todo]
        cookie:
          secure: false
          same_site: None
        sesion:
          max_ttl: 1h
        """, Map.of());

    assertThat(problems).containsExactlyInAnyOrder(
        "listen.port \"99999\": out of range: must be between 0 and 65535",
        "oidc.issuer \"ftp://idp\": unsupported scheme: use an http:// or https:// URL",
        "oidc.audiences: missing: a value is required (or set SYNCGATE_OIDC_AUDIENCES)",
        "oidc.algorithms \"HS256\": HMAC algorithms cannot be verified with an identity provider's public keys",
        "oidc.algorithms \"none\": unsigned tokens are never accepted",
        "oidc.clock_skew \"soon\": not a duration: write a number and a unit (ms, s, m, h, d), e.g. 30s",
        "sync_gateway.admin_url: missing: a value is required (or set SYNCGATE_SYNC_GATEWAY_ADMIN_URL)",
        "sync_gateway.admin_password: missing: required with sync_gateway.admin_username"
            + " (or set SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD)",
        "sync_gateway.databases \"Todo\": not a Sync Gateway database name: lowercase letter first, then a-z 0-9 _$()+-",
        "cookie.same_site \"None\": browsers drop SameSite=None cookies that are not Secure:"
            + " set cookie.secure to true or use Lax",
        "sesion.max_ttl: unknown key: did you mean session.max_ttl?");
  }

  @Test
  void problemsFromTheEnvironmentSayWhereTheyCameFromAndHideSecrets() {
    List<String> problems = problems(MINIMAL, Map.of("SYNCGATE_LISTEN_PORT", "http",
        "SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", ""));

    assertThat(problems).containsExactly(
        "listen.port (from SYNCGATE_LISTEN_PORT) \"http\": not a whole number",
        "sync_gateway.admin_password (from SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD): missing: required with sync_gateway.admin_username"
            + " (or set SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD)");
  }

  @Test
  void sessionSecretsPrefixesAndPerDatabaseKeysAreCheckedAndSecretsNeverShown() throws Exception {
    List<String> problems = problems(MINIMAL.replace("audiences: [app]", "audiences: [app]\n  username_prefix: \"bad/prefix\"") + """
        session:
          cookie_previous_secrets: [short-old-secret]
        pouchdb:
          databases: [elsewhere]
        """, Map.of("SYNCGATE_SESSION_COOKIE_SECRET", "too-short"));

    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("oidc.username_prefix \"bad/prefix\": not a user-name prefix"))
        .anySatisfy(p -> assertThat(p).isEqualTo("session.cookie_secret (from SYNCGATE_SESSION_COOKIE_SECRET): "
            + "too short: at least 32 characters of a random string"))
        .anySatisfy(p -> assertThat(p).startsWith("session.cookie_previous_secrets: too short"))
        .anySatisfy(p -> assertThat(p).isEqualTo("pouchdb.databases \"elsewhere\": not one of sync_gateway.databases"))
        .noneSatisfy(p -> assertThat(p).contains("too-short").contains("short-old-secret"));

    SyncgateConfig config = ConfigLoader.parse(MINIMAL, Map.of(
        "SYNCGATE_PROVISIONING_TODO_AUTO_REGISTER", "false",
        "SYNCGATE_PROVISIONING_TODO_CHANNELS", "user-{name},public"));
    assertThat(config.provisioning().get("todo").autoRegister()).isFalse();
    assertThat(config.provisioning().get("todo").channels()).containsExactly("user-{name}", "public");
    assertThat(config.pouchDb().databases()).containsExactly("todo");
    assertThat(config.session().cookieSecrets()).isEmpty();
  }

  @Test
  void aBasePathWithDotSegmentsOrEncodingIsRefused() {
    assertThat(problems(MINIMAL + "listen:\n  base_path: /a/../b\n", Map.of()))
        .singleElement().asString().startsWith("listen.base_path \"/a/../b\": not a plain path");
    assertThat(problems(MINIMAL + "listen:\n  base_path: /a%2Fb\n", Map.of()))
        .singleElement().asString().startsWith("listen.base_path \"/a%2Fb\": not a plain path");
  }

  @Test
  void brokenYamlIsReportedNotThrown() {
    assertThat(problems("oidc: [unclosed", Map.of())).singleElement().asString()
        .startsWith("configuration file: not valid YAML");
  }

  @Test
  void aFileThatCannotBeReadIsNamed() {
    var failure = catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.load(Path.of("/nonexistent/syncgate.yaml"), Map.of()));

    assertThat(failure.problems()).singleElement().asString()
        .startsWith("configuration file /nonexistent/syncgate.yaml: cannot be read");
  }

  @Test
  void theEnvironmentAloneCanConfigureSyncgate() throws Exception {
    SyncgateConfig config = ConfigLoader.load(null, Map.of(
        "SYNCGATE_OIDC_ISSUER", "https://idp.example.com",
        "SYNCGATE_OIDC_AUDIENCES", "app",
        "SYNCGATE_SYNC_GATEWAY_PUBLIC_URL", "http://sg:4984",
        "SYNCGATE_SYNC_GATEWAY_ADMIN_URL", "http://sg:4985",
        "SYNCGATE_SYNC_GATEWAY_DATABASES", "todo,notes"));

    assertThat(config.syncGateway().databases()).containsExactly("todo", "notes");
    assertThat(config.syncGateway().adminUsername()).isNull();
  }

  @Test
  void theAdminPasswordNeverAppearsInTheConfigurationsText() throws Exception {
    assertThat(ConfigLoader.parse(MINIMAL, Map.of()).toString()).doesNotContain("secret");
  }

  @Test
  void everyKeyTheLoaderReadsIsDocumentedWithItsVariable() throws IOException {
    String docs = Files.readString(Path.of("docs/configuration.md"));

    assertThat(ConfigLoader.keys()).hasSizeGreaterThan(20).allSatisfy(key ->
        assertThat(docs).as("docs/configuration.md documents " + key)
            .contains("`" + key + "`").contains("`" + ConfigBinder.envName(key) + "`"));
  }

  @Test
  void aPasswordInAUrlIsNeverEchoedByAProblem() {
    var problems = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(
        """
        oidc: {issuer: "https://idp.example/", audiences: [app]}
        sync_gateway:
          public_url: "http://sync:s3cr3t-pass@sg.example:4984"
          admin_url: "ftp://admin:an0ther-pass@sg.example:4985"
          databases: [todo]
        """, java.util.Map.of()));

    org.assertj.core.api.Assertions.assertThat(problems.getMessage())
        .contains("sync_gateway.public_url \"http://…@sg.example:4984\": must not carry a query, fragment or user info")
        .contains("sync_gateway.admin_url \"ftp://…@sg.example:4985\"")
        .doesNotContain("s3cr3t-pass").doesNotContain("an0ther-pass");
  }

  @Test
  void identityBoundsAndPlainHttpIssuersAreCheckedAtStart() {
    String yaml = """
        oidc:
          issuer: "http://idp.example/realms/app"
          audiences: [app]
          clock_skew: 10m
          jwks_refetch_cooldown: 100ms
          required_claims: ["email_verified"]
          accepted_types: []
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """;
    var problems = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.parse(yaml, java.util.Map.of()));

    org.assertj.core.api.Assertions.assertThat(problems.problems()).contains(
        "oidc.issuer \"http://idp.example/realms/app\": plain http: keys fetched over it can be forged on the way;"
            + " use https, or set oidc.allow_insecure_http for a provider on a trusted network",
        "oidc.clock_skew \"10m\": too long: at most 5m (a longer skew keeps expired tokens alive)",
        "oidc.jwks_refetch_cooldown \"100ms\": too short: must be at least 1s",
        "oidc.required_claims \"email_verified\": not a claim=value rule, e.g. email_verified=true",
        "oidc.accepted_types: is empty: list the token types to accept, e.g. [absent, JWT, at+jwt]");
  }

  @Test
  void aLoopbackOrExplicitlyAllowedHttpIssuerIsAccepted() throws Exception {
    String yaml = """
        oidc: {issuer: "%s", audiences: [app]}
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """;
    org.assertj.core.api.Assertions.assertThat(ConfigLoader.parse(yaml.formatted("http://127.0.0.1:8180/realms/app"),
        java.util.Map.of()).issuers().get(0).issuer()).isEqualTo("http://127.0.0.1:8180/realms/app");
    org.assertj.core.api.Assertions.assertThat(ConfigLoader.parse(yaml.formatted("http://idp.internal/realms/app"),
        java.util.Map.of("SYNCGATE_OIDC_ALLOW_INSECURE_HTTP", "true")).issuers().get(0).issuer())
        .isEqualTo("http://idp.internal/realms/app");
  }

  @Test
  void severalIssuersAreAListOfObjectsInTheFileOrTheEnvironment() throws Exception {
    String yaml = """
        oidc:
          clock_skew: 1m
          issuers:
            - issuer: "https://consumers.example/"
              audiences: [app]
              username_prefix: app_
            - issuer: "https://staff.example/realms/staff"
              audiences: [staff-app]
              username_prefix: staff_
              username_claim: preferred_username
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """;
    SyncgateConfig config = ConfigLoader.parse(yaml, java.util.Map.of(
        "SYNCGATE_OIDC_ISSUERS_1_AUDIENCES", "staff-app,staff-cli",
        "SYNCGATE_OIDC_ISSUERS_2_ISSUER", "https://partners.example/",
        "SYNCGATE_OIDC_ISSUERS_2_AUDIENCES", "partner-app",
        "SYNCGATE_OIDC_ISSUERS_2_USERNAME_PREFIX", "partner_"));

    assertThat(config.issuers()).extracting(OidcConfig::issuer).containsExactly(
        "https://consumers.example/", "https://staff.example/realms/staff", "https://partners.example/");
    assertThat(config.issuers().get(1).audiences()).containsExactlyInAnyOrder("staff-app", "staff-cli");
    assertThat(config.issuers().get(1).usernameClaim()).isEqualTo("preferred_username");
    assertThat(config.issuers()).allSatisfy(issuer -> assertThat(issuer.clockSkew()).isEqualTo(Duration.ofMinutes(1)));
  }

  @Test
  void severalIssuersEachNeedTheirOwnPrefixAndNoUnknownKey() {
    String yaml = """
        oidc:
          issuer: "https://single.example/"
          issuers:
            - issuer: "https://a.example/"
              audiences: [app]
            - issuer: "https://b.example/"
              audiences: [app]
              username_prefix: b_
              usernam_claim: sub
            - issuer: "https://b.example/"
              audiences: [app]
              username_prefix: b_
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """;
    ConfigException problems = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, java.util.Map.of()));

    assertThat(problems.problems()).contains(
        "oidc.issuer \"https://single.example/\": set beside oidc.issuers: list every issuer there",
        "oidc.issuers.0.username_prefix: required when there are several issuers, so that their users never share a"
            + " Sync Gateway user (e.g. staff_, app_)",
        "oidc.issuers.2.username_prefix \"b_\": the same as issuer 1's: prefixes must differ",
        "oidc.issuers.2.issuer \"https://b.example/\": listed twice (also issuer 1)",
        "oidc.issuers.1.usernam_claim: unknown key: did you mean oidc.issuers.1.username_claim?");
  }

  @Test
  void prefixesOneOfWhichBeginsAnotherAreRefusedSinceTheirUsersNamesCouldMeet() {
    // The first provider's staff_bob and the second's bob would both be app_staff_bob.
    String yaml = """
        oidc:
          issuers:
            - issuer: "https://a.example/"
              audiences: [app]
              username_prefix: app_
            - issuer: "https://b.example/"
              audiences: [app]
              username_prefix: app_staff_
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """;
    ConfigException problems = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, java.util.Map.of()));

    assertThat(problems.problems()).containsExactly("oidc.issuers.1.username_prefix \"app_staff_\": begins, or is begun by,"
        + " issuer 0's \"app_\": one provider's users could then take another's names; choose prefixes neither of which"
        + " starts the other");
  }

  @Test
  void valuesOfTheWrongShapeAreNamedWithWhatWasExpected() {
    assertThat(problems(MINIMAL + """
        listen: 5
        management:
          host: [a, b]
        shutdown:
          drain_timeout: [1s]
        """, Map.of("SYNCGATE_COOKIE_SECURE", "yes", "SYNCGATE_SESSION_MAX_TTL", "soon"))).containsExactlyInAnyOrder(
        "listen \"5\": expected a mapping of keys",
        "management.host: expected a single value",
        "shutdown.drain_timeout: not a duration: write a number and a unit (ms, s, m, h, d), e.g. 30s",
        "cookie.secure (from SYNCGATE_COOKIE_SECURE) \"yes\": not a boolean: use true or false",
        "session.max_ttl (from SYNCGATE_SESSION_MAX_TTL) \"soon\": not a duration: write a number and a unit"
            + " (ms, s, m, h, d), e.g. 30s");
  }

  @Test
  void aKeyWrittenTwiceIsNamedByItsFullPath() {
    assertThat(problems(MINIMAL + "listen:\n  port: 1\n  port: 2\n", Map.of()))
        .containsExactly("listen.port: written twice (line 12): a key appears once in its mapping, keep one");
    assertThat(problems(MINIMAL + "cors:\n  todo:\n    origins: [\"https://a.example\"]\n    origins: []\n", Map.of()))
        .containsExactly("cors.todo.origins: written twice (line 13): a key appears once in its mapping, keep one");
  }

  @Test
  void anUnclosedBracketOnLine14SaysLine14NotTheNext() {
    String yaml = """
        listen:
          host: 127.0.0.1
          port: 8080
        management:
          port: 9090
        sync_gateway:
          public_url: http://sg:4984
          admin_url: http://sg:4985
          databases: [todo]
        oidc:
          issuer: https://idp.example.com
          username_claim: sub
          clock_skew: 30s
          audiences: [app, mobile
        session:
          max_ttl: 1h
        """;

    assertThat(problems(yaml, Map.of())).singleElement().asString()
        .isEqualTo("configuration file: not valid YAML at line 14, column 14: while parsing a flow sequence:"
            + " expected ',' or ']', but got : (at line 15, column 8)");
  }

  @Test
  void aTabIsReportedWhereItIsWithTheParsersReason() {
    assertThat(problems("listen:\n  host: 127.0.0.1\n  port: 8080\n\tbase_path: /sync\n", Map.of()))
        .containsExactly("configuration file: not valid YAML at line 4, column 1: found character '\\t' that cannot"
            + " start any token. (Do not use \\t for indentation)");
  }

  @Test
  void anUnknownKeySuggestsTheNearestKnownOne() {
    assertThat(problems(MINIMAL + """
        listen:
          basepath: /sync
          admin_url: http://sg:4985
        sesion:
          max_ttl: 1h
        provisioning:
          todo:
            roles_cliam: groups
        frobnicate: true
        """, Map.of())).containsExactlyInAnyOrder(
        "listen.basepath: unknown key: did you mean listen.base_path?",
        "listen.admin_url: unknown key: did you mean sync_gateway.admin_url?",
        "sesion.max_ttl: unknown key: did you mean session.max_ttl?",
        "provisioning.todo.roles_cliam: unknown key: did you mean provisioning.todo.roles_claim?",
        "frobnicate: unknown key: see docs/configuration.md for the keys Syncgate reads");
    assertThat(problems(MINIMAL.replace("oidc:", "oidc:\n  audience: app"), Map.of()))
        .containsExactly("oidc.audience: unknown key: did you mean oidc.audiences?");
  }

  @Test
  void provisioningNamesOnlyDatabasesServedAndTheEnvironmentCanAddIt() throws Exception {
    assertThat(problems(MINIMAL + """
        provisioning:
          todo: {roles: [member]}
          other: {auto_register: false}
        """, Map.of())).containsExactly("provisioning.other: not one of sync_gateway.databases");

    SyncgateConfig config = ConfigLoader.parse(MINIMAL.replace("[todo]", "[todo, my_notes]"), Map.of(
        "SYNCGATE_PROVISIONING_MY_NOTES_ROLES_CLAIM", "realm_access.roles"));
    assertThat(config.provisioning().get("my_notes").rolesClaim()).isEqualTo("realm_access.roles");
    assertThat(config.provisioning().get("todo")).isEqualTo(Provisioning.none());
  }

  @Test
  void anIssuerEntryThatIsNotAMappingIsNamed() {
    String yaml = """
        oidc:
          issuers:
            - "https://a.example/"
            -
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """;
    assertThat(problems(yaml, Map.of())).contains(
        "oidc.issuers.0 \"https://a.example/\": expected a mapping of keys",
        "oidc.issuers.1: is empty: expected a mapping of keys, like the other entries");
  }

  @Test
  void theDocumentedKeysIncludeOneIssuersKeysAndEachDatabasesProvisioning() {
    assertThat(ConfigLoader.keys()).contains("oidc.issuer", "oidc.audiences", "oidc.issuers", "oidc.clock_skew",
        "provisioning.{db}.roles_claim", "listen.max_connections");
  }

  @Test
  void corsOriginsAreOriginsNeverEveryoneAndOnlyForDatabasesServed() throws Exception {
    assertThat(problems(MINIMAL + """
        cors:
          todo:
            origins: ["*", "null", "https://app.example.com/", "https://*.example.com", "https://a.*.example.com"]
          other:
            origins: ["https://app.example.com"]
        """, Map.of())).containsExactlyInAnyOrder(
        "cors.todo.origins \"*\": every origin would get the users' credentials: list the app's origins",
        "cors.todo.origins \"null\": the null origin is shared by every sandboxed page and local file: it proves nothing",
        "cors.todo.origins \"https://app.example.com/\": not an origin: scheme://host[:port], no path or trailing"
            + " slash; a pattern puts * as the leftmost label (https://*.example.com)",
        "cors.todo.origins \"https://a.*.example.com\": not an origin: scheme://host[:port], no path or trailing"
            + " slash; a pattern puts * as the leftmost label (https://*.example.com)",
        "cors.other: not one of sync_gateway.databases");

    SyncgateConfig config = ConfigLoader.parse(MINIMAL, Map.of("SYNCGATE_CORS_TODO_ORIGINS",
        "https://App.Example.com,capacitor://localhost"));
    assertThat(config.cors("todo").origins()).containsExactly("https://app.example.com", "capacitor://localhost");
    assertThat(config.cors("todo").allows("https://app.example.com")).isTrue();
    assertThat(config.cors("todo").maxAge()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.cors("notes").allows("https://app.example.com")).isFalse();
  }

  @Test
  void numbersBooleansAndDurationsAreReadStrictlyAndEveryProblemStillReported() {
    assertThat(problems(MINIMAL + """
        listen:
          port: 80.5
          max_connections: 99999999999999
        cookie:
          secure: 2
        access:
          allow_guest: 1
        session:
          max_ttl: 999999999999d
        oidc_unused: 1
        """, Map.of("SYNCGATE_OIDC_CLOCK_SKEW", "999999999999d"))).containsExactlyInAnyOrder(
        "listen.port \"80.5\": not a whole number",
        "listen.max_connections \"99999999999999\": out of range: too large",
        "cookie.secure \"2\": not a boolean: use true or false",
        "access.allow_guest \"1\": not a boolean: use true or false",
        "session.max_ttl \"999999999999d\": too long: at most 365d",
        "oidc.clock_skew (from SYNCGATE_OIDC_CLOCK_SKEW) \"999999999999d\": too long: at most 365d",
        "oidc_unused: unknown key: see docs/configuration.md for the keys Syncgate reads");
  }

  @Test
  void anEmptyOrScalarCorsEntryIsAProblemNotACrash() {
    assertThat(problems(MINIMAL + "cors:\n  todo:\n", Map.of()))
        .containsExactly("cors.todo: is empty: list the origins under cors.todo.origins");
    assertThat(problems(MINIMAL + "cors:\n  todo: \"https://app.example.com\"\n", Map.of()))
        .contains("cors.todo \"https://app.example.com\": expected a mapping of keys");
    assertThat(problems(MINIMAL + "cors:\n  todo:\n    origins: [\"https://*.com\"]\n", Map.of()))
        .containsExactly("cors.todo.origins \"https://*.com\": a pattern for every site under a top-level domain:"
            + " name the domain (https://*.example.com)");
  }

  @Test
  void secretsNeverAppearInAYamlErrorNorInAUrlWhosePasswordHoldsASlashOrAnAt() {
    List<String> yaml = problems("session:\n  cookie_secret: \"unterminated-super-secret-value\n", Map.of());
    List<String> url = problems(MINIMAL, Map.of("SYNCGATE_SYNC_GATEWAY_PUBLIC_URL", "ftp://admin:SUPER/SE@CRET@sg:4985"));

    assertThat(yaml).singleElement().asString().startsWith("configuration file: not valid YAML")
        .doesNotContain("super-secret");
    assertThat(url).singleElement().asString().doesNotContain("SUPER").doesNotContain("CRET").contains("…@sg:4985");
  }

  @Test
  void issuerKeysBesideTheListAreEachNamed() {
    assertThat(problems("""
        oidc:
          audiences: [app]
          issuers:
            - issuer: "https://a.example/"
              audiences: [app]
        sync_gateway: {public_url: "http://sg:4984", admin_url: "http://sg:4985", databases: [todo]}
        """, Map.of())).containsExactly("oidc.audiences: set beside oidc.issuers: list every issuer there");
  }

  @Test
  void aVariableThatNamesNoKeyIsRefusedUnlessReadElsewhere() throws Exception {
    assertThat(problems(MINIMAL, Map.of("SYNCGATE_SESSION_COOKIE_SECRETS", "a-secret-misspelt-as-plural-0123456789")))
        .containsExactly("SYNCGATE_SESSION_COOKIE_SECRETS: names no configuration key:"
            + " did you mean SYNCGATE_SESSION_COOKIE_SECRET?");
    assertThat(problems(MINIMAL, Map.of("SYNCGATE_FROBNICATE", "1"))).containsExactly(
        "SYNCGATE_FROBNICATE: names no configuration key: see docs/configuration.md for the variables Syncgate reads");
    assertThat(ConfigLoader.parse(MINIMAL, Map.of("SYNCGATE_LOG_LEVEL", "DEBUG", "SYNCGATE_CONFIG", "/etc/x.yaml",
        "PATH", "/usr/bin")).listen().port()).isEqualTo(8080);
  }
}
