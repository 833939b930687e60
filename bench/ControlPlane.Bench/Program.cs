using ControlPlane.Bench;

// The benchmarks of docs/benchmarks.md, one per subcommand. Each compares against a baseline measured
// in the same process, because this machine is shared and noisy.
return args.FirstOrDefault() switch
{
    "telemetry" => await TelemetryBenchmark.RunAsync(args),
    "engine" => EngineBenchmark.Run(args),
    "placement" => await PlacementBenchmark.RunAsync(args),
    "drain" => await DrainBenchmark.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: ControlPlane.Bench <benchmark> [options]
          telemetry   telemetry reports/s one silo absorbs vs a bare gRPC stream  [--accelerators N] [--seconds N] [--rounds N]
          engine      placement decisions/s of the engine alone on 1k, 10k, 100k accelerators  [--seconds N] [--rounds N]
          placement   Place+Complete through grains and gRPC vs bare baselines  [--seconds N] [--rounds N] [--concurrency N]
          drain       time from drain to Drained, idle and under load; sessions moved; turns dropped  [--rounds N] [--sessions N] [--output-tokens N]
        """);
    return 2;
}
