namespace NeTracker.Web.Security;

/// <summary>The "NeTracker:Security" section. See README.md, "Security".</summary>
public sealed class SecurityOptions
{
    public const string Section = "NeTracker:Security";

    /// <summary>The admin password in clear (hashed in memory at start). Prefer <see cref="AdminPasswordHash"/>.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>A <see cref="PasswordHash"/> string ("pbkdf2-sha256$iterations$salt$hash"); wins over <see cref="AdminPassword"/>.</summary>
    public string? AdminPasswordHash { get; set; }

    /// <summary>Keys for scripts and remote probes; removing an entry revokes it (the file is re-read on change).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>
    /// Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed. Empty = none:
    /// the client address is the TCP peer, so a client cannot spoof its address to dodge throttling.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>How long a sign-in lasts without activity (sliding).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How long a sign-in lasts at most, however active (then the password is asked again).</summary>
    public TimeSpan SessionAbsoluteLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often open hub connections and Blazor circuits are checked against sign-outs, password changes and removed keys.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Origins (scheme://host[:port]) besides the dashboard's own from which a signed-in browser may
    /// open a hub or send a POST: the public address a reverse proxy serves the dashboard under when
    /// it rewrites the Host header (e.g. https://netracker.example.org).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Serve plain http:// on addresses other hosts can reach. Off: such an address is served as
    /// https:// (with the configured certificate or one generated at first start). Only behind a
    /// TLS-terminating proxy on a private network; the Health page shows it.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    public LoginThrottleOptions LoginThrottle { get; set; } = new();
}

/// <summary>One API key: a name (shown in logs) and either its SHA-256 (hex) or, less safely, the key itself.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    /// <summary>Lower-case or upper-case hex SHA-256 of the key: <c>printf %s "$KEY" | sha256sum</c>.</summary>
    public string? Hash { get; set; }

    /// <summary>The key in clear; hashed at start. Convenient for tests and containers with secret env vars.</summary>
    public string? Key { get; set; }

    /// <summary>
    /// What the key may do: <c>read</c> (pages, REST, exports, metrics, hub subscriptions),
    /// <c>publish</c> (an agent: the hub's Publish, as one of <see cref="Agents"/>), <c>admin</c>
    /// (attach/detach, configuration). Absent: the rights every key had before scopes existed
    /// (all three, any agent name not bound to another key) — with a warning at start and on Health.
    /// </summary>
    public List<string>? Scopes { get; set; }

    /// <summary>The agent names (<c>--name</c>) a <c>publish</c> key may publish as; every record's host must be that name.</summary>
    public List<string> Agents { get; set; } = [];
}

/// <summary>Brute-force protection of the login form.</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failures one client may make within <see cref="Window"/> before it must wait.</summary>
    public int FailuresPerClient { get; set; } = 5;

    /// <summary>Failures all clients together may make within <see cref="Window"/> before every login waits.</summary>
    public int FailuresGlobal { get; set; } = 50;

    /// <summary>Failures older than this are forgotten.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first wait; it doubles with every further failure up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);
}
