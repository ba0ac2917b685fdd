using System.Text.Json;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Agents;

/// <summary>
/// What the dashboard holds from each remote agent: the last sequence number of the agent's
/// current run, plus its reported overflow and losses. Persisted (agents.json in the data
/// directory, written before a batch is acknowledged) so that an agent re-sending an
/// unacknowledged batch after a dashboard restart is never counted twice.
/// </summary>
public sealed class AgentLedger
{
    private readonly string? _path;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AgentState> _agents;

    public AgentLedger(string? dataDirectory)
    {
        if (dataDirectory is not null)
        {
            Directory.CreateDirectory(dataDirectory);
            _path = Path.Combine(dataDirectory, "agents.json");
        }
        _agents = Load(_path);
    }

    public sealed record AgentState(Guid Epoch, long LastSeq, long Overflowed, long LostEvents, long Received, DateTime LastSeenUtc);

    public IReadOnlyDictionary<string, AgentState> Agents
    {
        get { lock (_lock) return new Dictionary<string, AgentState>(_agents); }
    }

    /// <summary>
    /// Returns the records of <paramref name="batch"/> not seen before (tagged with the agent's
    /// name as host when they carry none) and the acknowledgement to send back.
    /// </summary>
    public (IReadOnlyList<ConnectionRecord> Fresh, AgentAck Ack) Accept(AgentBatch batch, DateTime nowUtc)
    {
        lock (_lock)
        {
            _agents.TryGetValue(batch.Agent, out var state);
            if (state is null || state.Epoch != batch.Epoch)
                state = new AgentState(batch.Epoch, 0, 0, 0, state?.Received ?? 0, nowUtc);

            var lastInBatch = batch.FirstSeq + batch.Records.Count - 1;
            var skip = (int)Math.Clamp(state.LastSeq - batch.FirstSeq + 1, 0, batch.Records.Count);
            // Refused records are null in their place (Resilience/RecordGate.cs): delivered, not stored.
            var fresh = batch.Records.Skip(skip)
                .Where(r => r is not null)
                .Select(r => string.IsNullOrEmpty(r.Host) ? r with { Host = batch.Agent } : r)
                .ToArray();
            state = state with
            {
                LastSeq = Math.Max(state.LastSeq, lastInBatch),
                Overflowed = batch.Overflowed,
                LostEvents = batch.LostEvents,
                Received = state.Received + fresh.Length,
                LastSeenUtc = nowUtc,
            };
            _agents[batch.Agent] = state;
            Save();
            return (fresh, new AgentAck(state.LastSeq));
        }
    }

    /// <summary>
    /// Counts only, for Health and /api/agents, when the database de-duplicates (fleet mode): this
    /// replica's view of what <paramref name="batch"/> delivered (<paramref name="stored"/> records were new).
    /// </summary>
    public void Observe(AgentBatch batch, int stored, DateTime nowUtc)
    {
        lock (_lock)
        {
            _agents.TryGetValue(batch.Agent, out var state);
            var lastInBatch = batch.FirstSeq + batch.Records.Count - 1;
            _agents[batch.Agent] = state is null || state.Epoch != batch.Epoch
                ? new AgentState(batch.Epoch, lastInBatch, batch.Overflowed, batch.LostEvents, (state?.Received ?? 0) + stored, nowUtc)
                : state with
                {
                    LastSeq = Math.Max(state.LastSeq, lastInBatch),
                    Overflowed = batch.Overflowed,
                    LostEvents = batch.LostEvents,
                    Received = state.Received + stored,
                    LastSeenUtc = nowUtc,
                };
        }
    }

    /// <summary>Failed writes of agents.json (full or read-only disk): records still flow, but a
    /// batch re-sent across a dashboard restart could then be counted twice.</summary>
    public long PersistErrors => Interlocked.Read(ref _persistErrors);

    private long _persistErrors;

    private void Save()
    {
        if (_path is null)
            return;
        try
        {
            // Write then rename: a crash leaves the old file or the new one, never half of one.
            var tmp = _path + ".tmp";
            File.WriteAllText(tmp, JsonSerializer.Serialize(_agents));
            File.Move(tmp, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _persistErrors);
        }
    }

    private static Dictionary<string, AgentState> Load(string? path)
    {
        if (path is null || !File.Exists(path))
            return new(StringComparer.Ordinal);
        try
        {
            return new(JsonSerializer.Deserialize<Dictionary<string, AgentState>>(File.ReadAllText(path)) ?? [], StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            // A damaged ledger only risks duplicates of batches in flight; start clean rather than refuse to start.
            File.Move(path, path + ".corrupt", overwrite: true);
            return new(StringComparer.Ordinal);
        }
    }
}
