using System.IO.Compression;
using System.Net;
using NeTracker.Testing.Servers;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// A minimal OTLP/HTTP receiver on a free loopback port (HttpListener): answers every
/// POST /v1/metrics with 200 and keeps the decoded data points of the last request, so a test reads
/// the values the exporter sent — which the Aspire Dashboard's API does not give back; answers
/// POST /v1/logs with 200 and keeps every log record of every request (<see cref="Logs"/>).
/// </summary>
internal sealed class OtlpHttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private volatile List<OtlpMetricsDecoder.Point> _last = [];
    private readonly List<OtlpLogsDecoder.Log> _logs = [];
    private readonly List<string> _errors = [];

    public OtlpHttpReceiver()
    {
        var port = ServerProcess.FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public int Requests { get; private set; }

    public IReadOnlyList<OtlpMetricsDecoder.Point> Last => _last;

    /// <summary>Every log record received so far, in arrival order.</summary>
    public IReadOnlyList<OtlpLogsDecoder.Log> Logs
    {
        get
        {
            lock (_logs)
                return [.. _logs];
        }
    }

    public int LogRequests { get; private set; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            // One request's failure (the exporter giving up mid-body, a payload the decoder does not
            // know) is answered 500 and kept in Errors; the loop goes on, so a later export still counts.
            try
            {
                await HandleAsync(context);
            }
            catch (Exception e)
            {
                lock (_errors)
                    _errors.Add($"{context.Request.Url?.AbsolutePath}: {e.GetType().Name}: {e.Message}");
                try
                {
                    context.Response.StatusCode = 500;
                    context.Response.Close();
                }
                catch (Exception)
                {
                    // The client is gone; nothing to answer.
                }
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        var input = context.Request.Headers["Content-Encoding"] == "gzip"
            ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
            : context.Request.InputStream;
        await input.CopyToAsync(body);
        if (context.Request.Url!.AbsolutePath == "/v1/metrics")
        {
            _last = OtlpMetricsDecoder.Decode(body.ToArray());
            Requests++;
            context.Response.StatusCode = 200;
        }
        else if (context.Request.Url!.AbsolutePath == "/v1/logs")
        {
            var logs = OtlpLogsDecoder.Decode(body.ToArray());
            lock (_logs)
                _logs.AddRange(logs);
            LogRequests++;
            context.Response.StatusCode = 200;
        }
        else
        {
            context.Response.StatusCode = 404;
        }
        context.Response.ContentType = "application/x-protobuf";
        context.Response.Close();
    }

    /// <summary>What the receiver saw, for a test's failure message: requests, the last export's metrics, errors.</summary>
    public string Describe()
    {
        lock (_errors)
        {
            // Every host a test process starts has a meter named NeTracker, and each host's SDK listens to
            // all of them: a series past the cardinality limit shows as otel.metric.overflow.
            var last = _last;
            return $"{Requests} metrics requests; last export: {string.Join(", ", last.Select(p => p.Metric).Distinct().Take(12))}; " +
                   $"duration series: {string.Join(", ", last.Where(p => p.Metric == "netracker.connection.duration").Take(5).Select(p => $"{p.Attributes.GetValueOrDefault("host")} ×{p.Count}"))}; " +
                   $"{last.Count(p => p.Attributes.ContainsKey("otel.metric.overflow"))} overflow; " +
                   $"errors: {(_errors.Count == 0 ? "none" : string.Join(" | ", _errors.TakeLast(3)))}";
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
