using System.Net;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;
using NeTracker.Web.Agents;

namespace NeTracker.Web.Tests.Agents;

public sealed class AgentLedgerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nt-ledger-");

    public void Dispose() => _dir.Delete(recursive: true);

    // No host: the ledger labels records with the agent's name.
    private static ConnectionRecord[] Batch(int n, int firstPort)
        => [.. Enumerable.Range(firstPort, n).Select(p => Records.Make(0, clientPort: p, host: ""))];

    private static readonly DateTime Now = new(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Resent_overlap_is_dropped_and_the_rest_kept_in_order()
    {
        var ledger = new AgentLedger(_dir.FullName);
        var epoch = Guid.NewGuid();
        var all = Batch(5, 1000);

        var (first, ack1) = ledger.Accept(new AgentBatch("a1", epoch, 1, all[..3], 0, 0), Now);
        // The ack was lost: the agent re-sends from seq 1, with two new records.
        var (second, ack2) = ledger.Accept(new AgentBatch("a1", epoch, 1, all, 0, 0), Now);

        Assert.Equal(3, first.Count);
        Assert.Equal(3, ack1.LastSeq);
        Assert.Equal([1003, 1004], second.Select(r => r.ClientPort));
        Assert.Equal(5, ack2.LastSeq);
        Assert.All(first.Concat(second), r => Assert.Equal("a1", r.Host));
        Assert.Equal(5, ledger.Agents["a1"].Received);
    }

    [Fact]
    public void Ledger_survives_a_dashboard_restart()
    {
        var epoch = Guid.NewGuid();
        new AgentLedger(_dir.FullName).Accept(new AgentBatch("a1", epoch, 1, Batch(4, 1), 7, 2), Now);

        var restarted = new AgentLedger(_dir.FullName);
        var (fresh, ack) = restarted.Accept(new AgentBatch("a1", epoch, 3, Batch(4, 3), 7, 2), Now);

        Assert.Equal([5, 6], fresh.Select(r => r.ClientPort));
        Assert.Equal(6, ack.LastSeq);
        Assert.Equal(7, restarted.Agents["a1"].Overflowed);
    }

    [Fact]
    public void A_new_agent_run_starts_its_sequence_again()
    {
        var ledger = new AgentLedger(_dir.FullName);
        ledger.Accept(new AgentBatch("a1", Guid.NewGuid(), 1, Batch(10, 1), 0, 0), Now);

        var (fresh, ack) = ledger.Accept(new AgentBatch("a1", Guid.NewGuid(), 1, Batch(2, 100), 0, 0), Now);

        Assert.Equal(2, fresh.Count);
        Assert.Equal(2, ack.LastSeq);
    }

    [Fact]
    public void A_corrupt_ledger_file_is_set_aside_not_fatal()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "agents.json"), "{ not json");

        var ledger = new AgentLedger(_dir.FullName);

        Assert.Empty(ledger.Agents);
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "agents.json.corrupt")));
    }
}
