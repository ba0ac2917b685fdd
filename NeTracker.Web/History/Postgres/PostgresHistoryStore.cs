using Microsoft.Extensions.Options;
using Npgsql;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// Connection history in PostgreSQL, shared by any number of dashboard replicas (fleet mode).
/// Two producers feed one bounded queue and one writer (the shell both providers share,
/// <see cref="HistoryWriterShell{TUnit}"/>; the append is Writer.cs): ingest's batches
/// (<see cref="Enqueue"/>: the in-process probe's records, keyed by this process's run) and remote
/// agents' batches (<see cref="StoreAgentBatchAsync"/>, keyed by the agent's run and sequence,
/// completed only once committed). The writer COPYs each batch into a session-local staging table
/// and inserts from it with ON CONFLICT DO NOTHING on (agent, run, seq, end_ticks), so a record
/// re-sent to any replica is stored once. Queries (Queries.cs, Aggregates.cs) run on their own
/// pooled connections.
/// </summary>
public sealed partial class PostgresHistoryStore : IConnectionHistory, IConnectionSink, IHostedService, IAsyncDisposable
{
    private readonly HistoryOptions _options;
    private readonly PostgresOptions _pg;
    private readonly ILogger<PostgresHistoryStore> _log;
    private readonly TimeProvider _time;
    private readonly HistoryWriterShell<Pending> _shell;
    private readonly NpgsqlDataSource _source;
    private readonly PostgresPartitions _partitions = new();

    /// <summary>The in-process probe's records are keyed (agent = this host, run = this process, seq = ingest id).</summary>
    private readonly string _localAgent = "local:" + Environment.MachineName;
    private readonly Guid _localRun = Guid.NewGuid();

    private long _refused, _bytes;

    /// <summary>Only for the Parquet export's scratch files (Export.cs).</summary>
    private readonly string _dataDirectory;

    public PostgresHistoryStore(IOptions<Configuration.NeTrackerOptions> app, IOptions<HistoryOptions> options,
        ILogger<PostgresHistoryStore> log, TimeProvider time, Resilience.BackgroundLoops? loops = null)
    {
        _dataDirectory = Path.GetFullPath(app.Value.DataDirectory);
        _options = options.Value;
        _pg = _options.Postgres;
        _log = log;
        _time = time;
        // No gathering: agents wait for their batch to be committed before they drop it.
        _shell = new(this, WriterLoop, gather: false, _options,
            loops ?? new Resilience.BackgroundLoops(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<Resilience.BackgroundLoops>.Instance), log, time);
        var builder = new NpgsqlConnectionStringBuilder(_pg.ConnectionString);
        // Fail fast while the server is away: the writer retries with back-off anyway, and a page
        // should show "unavailable" in seconds, not after Npgsql's 15 s default.
        if (!System.Text.RegularExpressions.Regex.IsMatch(_pg.ConnectionString!, @"(^|;)\s*Timeout\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            builder.Timeout = 5;
        DatabasePath = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>Where history is, without credentials (Health, /api/stats).</summary>
    public string DatabasePath { get; }

    /// <summary>Ids come from the database's sequence, not from ingest: nothing to continue after.</summary>
    public long LastId => 0;

    /// <summary>A queued unit of work: records with their keys, and for an agent batch the caller waiting for durability.</summary>
    internal sealed record Pending(IReadOnlyList<KeyedRecord> Records, TaskCompletionSource<IReadOnlyList<ConnectionRecord>>? Stored);

    public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
    {
        // Agents' records stored by StoreAgentBatchAsync never come here (Ingest/RecordRoutes.cs).
        var keyed = new List<KeyedRecord>(batch.Count);
        foreach (var r in batch)
            keyed.Add(new KeyedRecord(_localAgent, _localRun, r.Id, r));
        if (keyed.Count == 0)
            return;
        if (!_shell.TryQueue(new Pending(keyed, null)))
            _shell.Dropped(keyed.Count);
    }

    /// <summary>
    /// Queues an agent's batch and completes with the records the database did not hold yet, once
    /// they are committed. Throws <see cref="HistoryUnavailableException"/> at once when the queue is
    /// full: the agent keeps the records and sends them again (counted as refused, nothing lost).
    /// </summary>
    public Task<IReadOnlyList<ConnectionRecord>> StoreAgentBatchAsync(string agent, Guid run, long firstSeq, IReadOnlyList<ConnectionRecord> records)
    {
        if (records.Count == 0)
            return Task.FromResult<IReadOnlyList<ConnectionRecord>>([]);
        // A refused record is null in its place (Resilience/RecordGate.cs): its sequence number is skipped.
        var keyed = new List<KeyedRecord>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is { } r)
                keyed.Add(new KeyedRecord(agent, run, firstSeq + i, r));
        }
        if (keyed.Count == 0)
            return Task.FromResult<IReadOnlyList<ConnectionRecord>>([]);
        var pending = new Pending(keyed, new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_shell.TryQueue(pending))
        {
            Interlocked.Add(ref _refused, records.Count);
            throw new HistoryUnavailableException(
                $"The history queue is full ({_options.MaxQueuedRecords} records waiting for PostgreSQL): {_shell.Health.Failure?.Message ?? "the database is slower than ingest"}. Send again later.");
        }
        return pending.Stored!.Task;
    }

    public HistoryStats Stats => _shell.Stats(DatabasePath, _schemaVersion, Interlocked.Read(ref _bytes));

    /// <summary>Records that were already stored (re-sent to this or another replica) and skipped by the unique key.</summary>
    public long Duplicates => _shell.Duplicates;

    /// <summary>Agent records refused because the queue was full; the agents kept them and send them again.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>A pooled connection for one query; the reason in words when the server cannot be reached.</summary>
    private async Task<NpgsqlConnection> OpenReaderAsync(CancellationToken ct)
    {
        if (_schemaVersion == 0)
            throw new HistoryUnavailableException(_shell.Health.Failure?.Message ?? $"{DatabasePath} is not ready yet.");
        try
        {
            return await _source.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            throw new HistoryUnavailableException(PostgresErrors.Describe(e, DatabasePath), e);
        }
    }
}
