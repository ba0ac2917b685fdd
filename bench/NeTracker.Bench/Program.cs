using System.Runtime.InteropServices;
using NeTracker.Bench;

// NeTracker.Bench subscribe --hub URL --key KEY --out FILE [--interface NAME]
// NeTracker.Bench publish   --hub URL --key KEY --count N [--batch N]
// NeTracker.Bench decode    --in FILE --out FILE
// NeTracker.Bench encode    [--records N] [--rounds N]
// NeTracker.Bench pipeline  [--rate N] [--seconds N] [--no-subscriber]
// NeTracker.Bench metrics   [--records N] [--rounds N] [--otel]
// NeTracker.Bench connlogs  --endpoint URL [--records N] [--rounds N] [--protocol P] [--queue N]
if (args.Length == 0)
    return Fail("no command");
using var stop = new CancellationTokenSource();
if (args[0] == "pipeline")
    return await PipelineBench.RunAsync(args[1..], stop.Token);
if (args[0] == "metrics")
    return MetricsBench.Run(args[1..]);
if (args[0] == "encode")
    return EncodeBench.Run(args[1..]);
if (args[0] == "decode")
    return RawBatches.Decode(args[1..]);
if (args[0] == "connlogs")
    return await ConnectionExportBench.RunAsync(args[1..]);
if (!BenchArgs.TryParse(args[1..], out var options, out var error))
    return Fail(error);

// SIGTERM/SIGINT end the command normally, so the subscriber flushes its file before exit.
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

return args[0] switch
{
    "subscribe" => await HubSubscriber.RunAsync(options, stop.Token),
    "publish" => await SyntheticPublisher.RunAsync(options, stop.Token),
    _ => Fail($"unknown command '{args[0]}'"),
};

static int Fail(string message)
{
    Console.Error.WriteLine($"{message}\n{BenchArgs.Usage}\n{PipelineBench.Usage}\n       {RawBatches.DecodeUsage}\n{EncodeBench.Usage}\n{MetricsBench.Usage}\n{ConnectionExportBench.Usage}");
    return 2;
}
