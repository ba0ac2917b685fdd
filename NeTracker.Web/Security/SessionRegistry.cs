using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Security;

/// <summary>
/// The signed-in sessions the server still honours. A cookie is only a sealed copy of its
/// claims, so without this a copied cookie would outlive sign-out. Each sign-in gets a random id
/// listed here (sessions.json in the data directory, 0600, so a restart signs nobody out); sign-out
/// removes it. The cookie also carries the admin credential's stamp: a new password (configured,
/// or a new generated one) changes it, which ends every session at once. And every session ends
/// <see cref="SecurityOptions.SessionAbsoluteLifetime"/> after its sign-in, however active.
/// Checked on each request (cookie validation) and every few seconds for open hub connections
/// and Blazor circuits (<see cref="HubGuard"/>).
/// </summary>
public sealed class SessionRegistry
{
    public const string FileName = "sessions.json";
    public const string SessionClaim = "netracker:sid";
    public const string StampClaim = "netracker:stamp";
    public const string IssuedClaim = "netracker:issued";

    /// <summary>Bounded: beyond this many live sessions the oldest sign-in is ended.</summary>
    public const int MaxSessions = 1_000;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly Dictionary<string, DateTimeOffset> _sessions;
    private readonly AdminCredential _admin;
    private readonly IOptionsMonitor<SecurityOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionRegistry> _logger;

    public SessionRegistry(AdminCredential admin, IOptionsMonitor<SecurityOptions> options, IOptions<NeTrackerOptions> app,
        TimeProvider time, ILogger<SessionRegistry> logger)
    {
        _admin = admin;
        _options = options;
        _time = time;
        _logger = logger;
        _path = Path.Combine(app.Value.DataDirectory, FileName);
        _sessions = Load(_path);
    }

    public int Count
    {
        get { lock (_lock) return _sessions.Count; }
    }

    /// <summary>The claims a new sign-in's cookie carries.</summary>
    public IReadOnlyList<Claim> Begin()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            Expire(now);
            if (_sessions.Count >= MaxSessions)
                _sessions.Remove(_sessions.MinBy(s => s.Value).Key);
            _sessions[id] = now;
            Save();
        }
        return
        [
            new(SessionClaim, id),
            new(StampClaim, _admin.Stamp),
            new(IssuedClaim, now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>Sign-out: this session's cookie, and every copy of it, is refused from now on.</summary>
    public void End(ClaimsPrincipal? user)
    {
        if (user?.FindFirstValue(SessionClaim) is not { } id)
            return;
        lock (_lock)
        {
            if (_sessions.Remove(id))
                Save();
        }
    }

    /// <summary>Why a cookie principal is no longer honoured, or null while it is.</summary>
    public string? Problem(ClaimsPrincipal user)
    {
        if (user.FindFirstValue(SessionClaim) is not { } id)
            return "a session from before sign-out was enforced on the server";
        if (user.FindFirstValue(StampClaim) != _admin.Stamp)
            return "the admin password changed";
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_sessions.TryGetValue(id, out var issued))
                return "signed out";
            if (now - issued > _options.CurrentValue.SessionAbsoluteLifetime)
            {
                _sessions.Remove(id);
                Save();
                return "the session reached its absolute lifetime";
            }
        }
        return null;
    }

    private void Expire(DateTimeOffset now)
    {
        var lifetime = _options.CurrentValue.SessionAbsoluteLifetime;
        foreach (var (id, issued) in _sessions.Where(s => now - s.Value > lifetime).ToList())
            _sessions.Remove(id);
    }

    private void Save()
    {
        try
        {
            var tmp = _path + ".tmp";
            var mode = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                mode.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var w = new StreamWriter(tmp, mode))
                w.Write(JsonSerializer.Serialize(_sessions));
            File.Move(tmp, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Sessions still end in this process; only a restart would forget a sign-out.
            _logger.LogError("Cannot write {Path}: {Error}; a sign-out is enforced until the next restart only.", _path, e.Message);
        }
    }

    private static Dictionary<string, DateTimeOffset> Load(string path)
    {
        try
        {
            if (File.Exists(path))
                return JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(File.ReadAllText(path)) ?? [];
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // Unreadable: nobody stays signed in, which is the safe side.
        }
        return [];
    }
}
