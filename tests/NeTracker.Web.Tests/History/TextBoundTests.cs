using NeTracker.Probe.Model;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// The DuckDB dictionary of host, interface, comm, cgroup and unit texts is bounded
/// (NeTracker:History:MaxTexts): a sender of endless distinct names costs counted, folded texts,
/// not the dashboard's memory; every record is still stored, and what was stored before reads back.
/// Texts no row uses any more are pruned, so the bound counts what history holds; a reader open
/// across a prune still reads the texts of the rows it sees.
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
        await WriteAsync(t, records);

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
        await WriteAsync(t, [known with { Id = 1001 }, known with { Id = 1002, Comm = "brand-new" }]);
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
        await WriteAsync(t, records);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
        Assert.Equal(0, t.Store.Stats.TextsFolded);
    }

    /// <summary>The records stored: one commit (or more) written before it returns.</summary>
    private static async Task WriteAsync(TestStore t, IReadOnlyList<ConnectionRecord> records)
    {
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
    }

    private static List<ConnectionRecord> Named(int count, int seed, long firstId, string prefix) =>
        [.. SampleRecords.Make(count, seed).Select((r, i) => r with { Id = firstId + i, Comm = $"{prefix}-{firstId + i}", Pid = r.Pid ?? 1 })];

    [Fact]
    public async Task Texts_only_deleted_rows_used_are_pruned_and_new_texts_fit_again_also_after_a_restart()
    {
        await using var t = await TestStore.StartAsync(configure: o => o.MaxTexts = 100);
        var first = Named(150, seed: 23, firstId: 1, "proc");
        await WriteAsync(t, first);
        Assert.True(t.Store.Stats.TextsFolded > 0, "the first records fill the dictionary");

        // Retention runs at every start too: the bound applies to this run only.
        t.Options.MaxRows = 20;
        Assert.Equal(130, await t.Store.RunRetentionAsync(Ct));
        t.Options.MaxRows = 0;
        var kept = await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct);
        var folded = t.Store.Stats.TextsFolded;

        // The next commit prunes the names of the deleted rows: new names fit again, not folded.
        var second = Named(50, seed: 24, firstId: 1001, "new");
        await WriteAsync(t, second);
        Assert.True(t.Store.Stats.TextsPruned >= 50, $"pruned {t.Store.Stats.TextsPruned}");
        Assert.Equal(folded, t.Store.Stats.TextsFolded);
        Assert.Equal([.. kept, .. second], await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
        Assert.Equal(1, await t.Store.CountAsync(new ConnectionFilter { Program = "new-1007" }, Ct));
        Assert.Equal(0, await t.Store.CountAsync(new ConnectionFilter { Program = "proc-3" }, Ct));

        // Reopened: the dictionary holds the texts of the stored rows only, and the next new names fit.
        await t.RestartAsync();
        var third = Named(20, seed: 25, firstId: 2001, "after");
        await WriteAsync(t, third);
        Assert.Equal([.. kept, .. second, .. third], await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
        Assert.Equal(0, t.Store.Stats.TextsFolded);
    }

    [Fact]
    public async Task A_stream_open_across_a_prune_reads_the_pruned_texts_and_their_ids_are_reused_only_after_it()
    {
        await using var t = await TestStore.StartAsync(configure: o => o.MaxTexts = 100);
        var old = Named(60, seed: 26, firstId: 1, "old");
        await WriteAsync(t, old);

        // A stream that began before retention: its snapshot holds all 60 rows, and it maps their ids as it goes.
        var streamed = new List<ConnectionRecord>();
        await using (var stream = t.Store.StreamAsync(ConnectionFilter.None, Ct).GetAsyncEnumerator(Ct))
        {
            Assert.True(await stream.MoveNextAsync());
            streamed.Add(stream.Current);

            t.Options.MaxRows = 1;
            Assert.Equal(59, await t.Store.RunRetentionAsync(Ct));
            t.Options.MaxRows = 0;
            // Two commits while the stream is open: the first prunes the old names, the second would reuse their ids.
            var during = Named(40, seed: 27, firstId: 101, "during");
            await WriteAsync(t, during[..20]);
            await WriteAsync(t, during[20..]);
            Assert.True(t.Store.Stats.TextsPruned >= 59, $"pruned {t.Store.Stats.TextsPruned}");
            Assert.True(t.Store.PendingTextIds >= 59, $"{t.Store.PendingTextIds} ids kept for the stream");

            while (await stream.MoveNextAsync())
                streamed.Add(stream.Current);
        }
        Assert.Equal(old, streamed);

        // Closed, the stream no longer holds the pruned ids: new names reuse them and every row reads back as written.
        var after = Named(30, seed: 28, firstId: 201, "after");
        await WriteAsync(t, after[..1]);
        Assert.Equal(0, t.Store.PendingTextIds);
        await WriteAsync(t, after[1..]);
        var all = await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct);
        Assert.Equal(old[^1..].Concat(Named(40, seed: 27, firstId: 101, "during")).Concat(after), all);
        Assert.Equal(0, t.Store.Stats.TextsFolded);
        var dictionary = (await t.HealthAsync())["Text dictionary"];
        Assert.Equal($"{t.Store.Stats.TextsHeld:N0} of 100", dictionary.Value);
        Assert.InRange(t.Store.Stats.TextsHeld, 71, 100);
    }
}
