using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Store;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// Parquet export. PostgreSQL writes no Parquet, and DuckDB's postgres extension would be a
/// download at run time; so the matching rows are streamed (in id order, 10 000 at a time) into a
/// scratch DuckDB history in the data directory, and the DuckDB store's own export writes the file:
/// one definition of the Parquet columns, the same file from either provider. The scratch database
/// is deleted before the download starts; the export file is already unlinked (its open stream
/// keeps it readable). Costs disk for one copy of the rows while it runs.
/// </summary>
public sealed partial class PostgresHistoryStore
{
    private const int ExportChunk = 10_000;

    public async Task<Stream> ExportParquetAsync(ConnectionFilter filter, CancellationToken ct = default)
    {
        var dir = Path.Combine(_dataDirectory, $".pg-export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            await using var scratch = new DuckDbHistoryStore(
                Options.Create(new NeTrackerOptions { DataDirectory = dir }),
                Options.Create(new HistoryOptions { MaxAge = TimeSpan.Zero, MaxRows = 0, RetentionInterval = TimeSpan.FromDays(1), MaxQueuedRecords = 2 * ExportChunk }),
                NullLogger<DuckDbHistoryStore>.Instance, _time);
            await scratch.StartAsync(ct);
            var chunk = new List<ConnectionRecord>(ExportChunk);
            await foreach (var r in StreamAsync(filter, ct))
            {
                chunk.Add(r);
                if (chunk.Count == ExportChunk)
                {
                    scratch.Enqueue(chunk);
                    await scratch.FlushAsync(ct);
                    chunk = new List<ConnectionRecord>(ExportChunk);
                }
            }
            scratch.Enqueue(chunk);
            await scratch.FlushAsync(ct);
            if (!scratch.Stats.Healthy || scratch.Stats.Dropped > 0)
                throw new HistoryUnavailableException($"The Parquet export could not use the data directory {_dataDirectory}: {scratch.Stats.Error}");
            return await scratch.ExportParquetAsync(ConnectionFilter.None, ct);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException e)
            {
                _log.LogWarning("History: cannot remove the export scratch directory {Directory}: {Error}", dir, e.Message);
            }
        }
    }
}
