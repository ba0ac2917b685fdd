namespace NeTracker.Web.Configuration;

/// <summary>The "NeTracker" section of appsettings.json (or NETRACKER__* environment variables).</summary>
public sealed class NeTrackerOptions
{
    public const string Section = "NeTracker";

    /// <summary>Shown in the app bar and the browser title.</summary>
    public string Title { get; set; } = "NeTracker";

    /// <summary>Names the bpffs pin directory and the tracefs instance; two dashboards need two names.</summary>
    public string InstanceName { get; set; } = "default";

    /// <summary>Where history (DuckDB) and the admin secret hash live.</summary>
    public string DataDirectory { get; set; } = "/var/lib/netracker";

    /// <summary>Interfaces to attach at start.</summary>
    public List<string> Interfaces { get; set; } = [];
}
