using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;
using NeTracker.Web.Health;
using StackExchange.Redis;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Fleet;

/// <summary>
/// With the Redis backplane: which hub groups have members on any replica, and whether Redis is
/// reachable (Health). SignalR's Redis lifetime manager subscribes a replica to a group's channel
/// while it has a member in the group, so <c>PUBSUB CHANNELS</c> names exactly the groups someone,
/// somewhere, listens to; polled every <see cref="Interval"/> into <see cref="HubSubscribers"/>. A
/// subscriber that joins on one replica is thus seen by the others within one interval, and a fleet
/// nobody subscribes to serialises nothing.
/// </summary>
public sealed class ClusterGroupsMonitor(
    HubSubscribers subscribers,
    IOptions<LiveOptions> options,
    HubBroadcaster broadcaster,
    TimeProvider time,
    ILogger<ClusterGroupsMonitor> log,
    ReplicaFeed? feed = null,
    Ingest.IngestService? ingest = null) : BackgroundService, IHealthReporter, IHealthCheck
{
    /// <summary>Every channel of the backplane starts with it (the hub's channels: prefix + hub type + ":group:" + name).</summary>
    public const string ChannelPrefix = "netracker:";

    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private static readonly string GroupChannels = ChannelPrefix + typeof(ConnectionsHub).FullName + ":group:";

    private volatile string? _error;
    private DateTime? _errorSinceUtc;
    private DateTime? _lastOkUtc;

    public string Title => "Live fan-out (Redis backplane)";

    // The configuration string may hold a password: logs and Health show it redacted.
    private string RedisShown => Security.SecretRedaction.Redis(options.Value.Redis);

    /// <summary>The configuration both the backplane and this monitor use: the app starts (and retries) while Redis is away.</summary>
    public static ConfigurationOptions Configure(ConfigurationOptions c)
    {
        c.AbortOnConnectFail = false;
        c.ConnectRetry = int.MaxValue;
        c.ConnectTimeout = 2000;
        c.ClientName = "netracker-" + Environment.MachineName;
        return c;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Configure(ConfigurationOptions.Parse(options.Value.Redis!)));
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                Poll(redis);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Poll(ConnectionMultiplexer redis)
    {
        try
        {
            var server = redis.GetServers().FirstOrDefault(s => s.IsConnected)
                ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"no connection to {RedisShown}");
            var groups = new HashSet<string>(StringComparer.Ordinal);
            foreach (var channel in server.SubscriptionChannels(RedisChannel.Pattern(GroupChannels + "*")))
                groups.Add(channel.ToString()[GroupChannels.Length..]);
            subscribers.SetClusterGroups(groups);
            if (_error is not null)
                log.LogInformation("Redis backplane at {Redis} is back", RedisShown);
            _error = null;
            _errorSinceUtc = null;
            _lastOkUtc = time.GetUtcNow().UtcDateTime;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            if (_error is null)
            {
                log.LogError("Redis backplane at {Redis} unreachable: {Error}", RedisShown, e.Message);
                _errorSinceUtc = time.GetUtcNow().UtcDateTime;
            }
            _error = $"Cannot reach Redis at {RedisShown}: {e.Message}. Live updates stop on every replica (history goes on); they resume when Redis is back.";
        }
    }

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var error = _error;
        var groups = subscribers.Groups();
        IReadOnlyList<HealthItem> items =
        [
            error is null
                ? new("Redis", "connected", _lastOkUtc is null ? HealthLevel.Info : HealthLevel.Ok, RedisShown)
                : new("Redis", "unreachable since " + Probe.Model.SchemaNames.Of(_errorSinceUtc ?? DateTime.UtcNow), HealthLevel.Error, error),
            new("Groups with subscribers (all replicas)", groups.Count.ToString(CultureInfo.InvariantCulture), HealthLevel.Info, string.Join(", ", groups)),
            new("Hub send failures", broadcaster.SendFailures.ToString("N0", CultureInfo.InvariantCulture),
                broadcaster.SendFailures == 0 ? HealthLevel.Ok : HealthLevel.Warning, "batches that could not be published to Redis"),
            .. feed is null ? Array.Empty<HealthItem>() :
            [
                new HealthItem("Replica feed", string.Create(CultureInfo.InvariantCulture,
                        $"{feed.Sent:N0} records sent, {feed.Received:N0} received from other replicas"),
                    feed.Failures == 0 && (ingest?.RemoteDropped ?? 0) == 0 ? HealthLevel.Ok : HealthLevel.Warning,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{feed.Failures:N0} messages failed; {ingest?.RemoteDropped ?? 0:N0} of other replicas' records not shown here (ingest queue full). Sent only while another replica has a page open.")),
            ],
        ];
        return ValueTask.FromResult(items);
    }

    /// <summary>Null when Redis answers.</summary>
    public string? Error => _error;

    /// <summary>/healthz "redis": the registration's failure status (Degraded) with the reason while Redis is away.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_error is { } e
            ? new HealthCheckResult(context.Registration.FailureStatus, e)
            : _lastOkUtc is null ? HealthCheckResult.Degraded($"connecting to Redis at {RedisShown}") : HealthCheckResult.Healthy($"Redis at {RedisShown}"));
}
