using System.Diagnostics;
using NeTracker.Web.Health;
using NeTracker.Web.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// A disk that is full, read-only, a database file locked by another process or not a database at all:
/// the error is reported (Health page), Enqueue neither throws nor blocks, nothing stored is lost,
/// and what was queued meanwhile is written once the problem is gone.
/// </summary>
public sealed class FailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task WaitUntilAsync(Func<bool> condition) => SchemaAndRetentionTests.WaitUntilAsync(condition);

    private static async Task<long> CountAsync(TestStore t) => await t.Store.CountAsync(ConnectionFilter.None, Ct);

    [Fact]
    public async Task Corrupt_file_is_reported_left_untouched_and_queued_records_are_written_after_repair()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-corrupt-").FullName;
        var path = Path.Combine(dir, "history.duckdb");
        var garbage = new byte[64 * 1024];
        new Random(1).NextBytes(garbage);
        await File.WriteAllBytesAsync(path, garbage, Ct);
        await using var t = await TestStore.StartAsync(dir);

        var records = SampleRecords.Make(400);
        t.Store.Enqueue(records[..200]);
        t.Store.Enqueue(records[200..]);
        await WaitUntilAsync(() => !t.Store.Stats.Healthy);

        var database = (await t.HealthAsync())["Database"];
        Assert.Equal(HealthLevel.Error, database.Level);
        Assert.Contains("not a valid DuckDB database", database.Detail);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(path, Ct));
        await Assert.ThrowsAsync<NeTracker.Web.History.HistoryUnavailableException>(() => t.Store.CountAsync(ConnectionFilter.None, Ct));

        // What the message tells the user to do: move the file aside.
        File.Move(path, path + ".corrupt");
        await t.Store.FlushAsync(Ct);
        Assert.True(t.Store.Stats.Healthy);
        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
        Assert.Equal(0, t.Store.Stats.Dropped);
    }

    [Fact]
    public async Task Locked_database_delays_writes_without_blocking_enqueue_and_loses_nothing()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(1000);
        t.Store.Enqueue(records[..100]);
        await t.Store.FlushAsync(Ct);
        // DuckDB holds its file for as long as it is open: another process can only hold it while
        // NeTracker has it closed, e.g. across a restart.
        await t.Store.StopAsync(Ct);

        using (await FileLockHolder.LockAsync(t.DatabasePath))
        {
            await t.RestartAsync();
            var sw = Stopwatch.StartNew();
            for (var i = 100; i < 1000; i += 100)
                t.Store.Enqueue(records[i..(i + 100)]);
            Assert.True(sw.ElapsedMilliseconds < 500, $"Enqueue took {sw.ElapsedMilliseconds} ms while the database was locked");

            await WaitUntilAsync(() => !t.Store.Stats.Healthy);
            Assert.Contains("locked by another process", t.Store.Stats.Error);
            Assert.Equal(HealthLevel.Error, (await t.HealthAsync())["Database"].Level);
            Assert.Equal(900, t.Store.Stats.Queued);
            await Assert.ThrowsAsync<NeTracker.Web.History.HistoryUnavailableException>(() => t.Store.CountAsync(ConnectionFilter.None, Ct));
        }

        await t.Store.FlushAsync(Ct);
        Assert.True(t.Store.Stats.Healthy);
        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Full_disk_is_reported_stored_rows_stay_and_queued_rows_are_written_when_space_returns()
    {
        await using var disk = await TmpfsMount.CreateAsync("160k");
        await using var t = await TestStore.StartAsync(disk.Path);
        var records = SampleRecords.Make(20_000);
        var enqueued = 0;
        // Small batches until the disk is full: everything committed before that must stay.
        while (t.Store.Stats.Healthy && enqueued < records.Count)
        {
            t.Store.Enqueue(records[enqueued..(enqueued + 50)]);
            enqueued += 50;
            await Task.Delay(5, Ct); // pacing, not a wait: the writer commits batch by batch until the disk is full
        }
        Assert.False(t.Store.Stats.Healthy, "160 KiB never filled up");
        Assert.Contains("full", t.Store.Stats.Error);
        var stored = await CountAsync(t);
        Assert.True(stored > 0, "nothing was stored before the disk filled up");
        Assert.Equal(records.Take((int)stored), await t.Store.QueryAsync(ConnectionFilter.None, 20_000, ascending: true, ct: Ct));

        await disk.RemountAsync("remount,size=64m");
        t.Store.Enqueue(records[enqueued..]);
        await t.Store.FlushAsync(Ct);
        Assert.True(t.Store.Stats.Healthy, t.Store.Stats.Error);
        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 20_000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Read_only_mount_is_reported_and_writes_resume_when_writable()
    {
        await using var disk = await TmpfsMount.CreateAsync("16m");
        await using var t = await TestStore.StartAsync(disk.Path);
        var records = SampleRecords.Make(600);
        t.Store.Enqueue(records[..300]);
        // Stopped, the file system goes read-only (errors=remount-ro, a full fsck...), NeTracker starts again.
        await t.Store.StopAsync(Ct);
        await disk.RemountAsync("remount,ro");
        await t.RestartAsync();

        t.Store.Enqueue(records[300..]);
        await WaitUntilAsync(() => !t.Store.Stats.Healthy);
        Assert.Matches("read-only|Cannot open", t.Store.Stats.Error);
        Assert.Equal(HealthLevel.Error, (await t.HealthAsync())["Database"].Level);
        Assert.Equal(300, t.Store.Stats.Queued);

        await disk.RemountAsync("remount,rw");
        await t.Store.FlushAsync(Ct);
        Assert.True(t.Store.Stats.Healthy, t.Store.Stats.Error);
        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Queue_is_bounded_while_failing_and_drops_are_counted()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-bound-").FullName;
        var path = Path.Combine(dir, "history.duckdb");
        await File.WriteAllTextAsync(path, "this is not a database, and it is long enough to be read as a header........", Ct);
        await using var t = await TestStore.StartAsync(dir, o => o.MaxQueuedRecords = 1000);
        var records = SampleRecords.Make(1500);

        for (var i = 0; i < 1500; i += 100)
            t.Store.Enqueue(records[i..(i + 100)]);

        Assert.Equal(1000, t.Store.Stats.Queued);
        Assert.Equal(500, t.Store.Stats.Dropped);
        File.Delete(path);
        await t.Store.FlushAsync(Ct);
        Assert.Equal(1000, await CountAsync(t));
        Assert.Equal(records.Take(1000), await t.Store.QueryAsync(ConnectionFilter.None, 2000, ascending: true, ct: Ct));
        var health = await t.HealthAsync();
        Assert.Equal(HealthLevel.Ok, health["Database"].Level);
        Assert.Equal((HealthLevel.Error, "500"), (health["Dropped (not stored)"].Level, health["Dropped (not stored)"].Value));
    }
}
