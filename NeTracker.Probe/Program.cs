// The console tool: see NeTracker.Probe/Cli.
return await NeTracker.Probe.Cli.ProbeCommandLine.RunAsync(args);
