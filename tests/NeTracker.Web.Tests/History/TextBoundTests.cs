using NeTracker.Probe.Model;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// The DuckDB dictionary of host, interface, comm, cgroup and unit texts is bounded
/// (NeTracker:History:MaxTexts): a sender of endless distinct names costs counted, folded texts,
/// not the dashboard's memory; every record is still stored, and what was stored before reads back.
/// </summary>
public sealed class TextBoundTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Past_the_bound_new_texts_are_stored_folded_and_counted_and_the_bound_holds_after_a_restart()
    {
        const int Bound = 100;
        await using var t = await TestStore.StartAsync(configure: o => o.MaxTexts = Bound);
        // Every record a new process name: the sample's own texts (hosts, interfaces, cgroups...) first.
        var records = SampleRecords.Make(500, seed: 21).Select(r => r with { Comm = $"proc-{r.Id}", Pid = r.Pid ?? 1 }).ToList();
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);

        var stored = (await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct)).ToList();
        Assert.Equal(records.Count, stored.Count);
        var folded = stored.Count(r => r.Comm == DuckDbStrings.Folded);
        Assert.InRange(folded, records.Count - Bound, records.Count - 1);
        Assert.Equal(folded, t.Store.Stats.TextsFolded);
        // What fitted is exact, in order: every record up to the first folded one kept its own name.
        var firstFolded = stored.FindIndex(r => r.Comm == DuckDbStrings.Folded);
        Assert.Equal(records.Take(firstFolded).Select(r => r.Comm), stored.Take(firstFolded).Select(r => r.Comm));
        Assert.All(stored.Skip(firstFolded), r => Assert.Equal(DuckDbStrings.Folded, r.Comm));
        // Only the comm was folded: the rest of each record is as sent.
        Assert.Equal(records.Select(r => r with { Comm = null }), stored.Select(r => r with { Comm = null }));
        Assert.Equal(folded, await t.Store.CountAsync(new ConnectionFilter { Program = "past NeTracker" }, Ct));

        // Reopened, the dictionary is still full: a new name folds, a known one does not.
        await t.RestartAsync();
        var known = records[0];
        t.Store.Enqueue([known with { Id = 1001 }, known with { Id = 1002, Comm = "brand-new" }]);
        await t.Store.FlushAsync(Ct);
        var after = await t.Store.QueryAsync(ConnectionFilter.None, 2, ct: Ct);
        Assert.Equal([DuckDbStrings.Folded, known.Comm], after.Select(r => r.Comm));
        Assert.Equal(1, t.Store.Stats.TextsFolded);
    }

    [Fact]
    public async Task Server_names_are_not_counted_against_the_bound()
    {
        await using var t = await TestStore.StartAsync(configure: o => o.MaxTexts = 100);
        var records = SampleRecords.Make(300, seed: 22)
            .Select(r => r with { ServerName = $"n{r.Id}.example.test", NameSource = NameSource.Sni }).ToList();
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
        Assert.Equal(0, t.Store.Stats.TextsFolded);
    }
}
