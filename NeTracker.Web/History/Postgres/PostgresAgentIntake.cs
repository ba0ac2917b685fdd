using Microsoft.Extensions.Options;
using NeTracker.Probe.Agent;
using NeTracker.Web.Agents;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// Fleet mode: an agent's batch is de-duplicated by the database's unique key and acknowledged
/// only once committed, whichever replica receives it. The records the database did not hold go
/// on to ingest (live view, hub) after the commit — also when the agent stopped waiting
/// (<see cref="PostgresOptions.AckTimeout"/>): its retry then finds them stored and adds nothing.
/// </summary>
public sealed class PostgresAgentIntake(
    PostgresHistoryStore store,
    IngestService ingest,
    AgentLedger ledger,
    IOptions<HistoryOptions> options,
    TimeProvider time,
    ILogger<PostgresAgentIntake> log) : IAgentIntake
{
    public async Task<AgentAck> AcceptAsync(AgentBatch batch, CancellationToken ct)
    {
        var stored = store.StoreAgentBatchAsync(batch.Agent, batch.Epoch, batch.FirstSeq, batch.Records);
        _ = stored.ContinueWith(async t =>
        {
            ledger.Observe(batch, t.Result.Count, time.GetUtcNow().UtcDateTime);
            if (t.Result.Count > 0)
                await ingest.PublishAsync(t.Result, RecordOrigin.Stored, CancellationToken.None);
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap()
            .ContinueWith(t => log.LogError(t.Exception, "Agent {Agent}: stored records could not reach the live view", batch.Agent),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            await stored.WaitAsync(options.Value.Postgres.AckTimeout, time, ct);
        }
        catch (TimeoutException)
        {
            throw new HistoryUnavailableException(
                $"Not stored within {options.Value.Postgres.AckTimeout.TotalSeconds:0} s: {store.Stats.Error ?? "PostgreSQL is slow"}. Send again.");
        }
        return new AgentAck(batch.FirstSeq + batch.Records.Count - 1);
    }
}
