using System.Globalization;
using ControlPlane.Bench;

// The benchmarks of docs/benchmarks.md, one per subcommand. Each compares against a baseline measured
// in the same process, because this machine is shared and noisy.
BenchCommand[] commands =
[
    new("telemetry", "telemetry reports/s one silo absorbs vs a bare gRPC stream", ["--accelerators", "--seconds", "--rounds"], [], [],
        TelemetryBenchmark.RunAsync),
    new("engine", "placement decisions/s of the engine alone on 1k, 10k, 100k accelerators", ["--seconds", "--rounds"], [("--fleets", "N,N,...")], [],
        a => Task.FromResult(EngineBenchmark.Run(a))),
    new("placement", "Place+Complete through grains and gRPC vs bare baselines", ["--seconds", "--rounds", "--concurrency", "--streams"], [("--only", "grains|chain|unary|stream")], ["--profile"],
        PlacementBenchmark.RunAsync),
    new("drain", "time from drain to Drained, idle and under load; sessions moved; turns dropped", ["--rounds", "--sessions", "--output-tokens"], [], [],
        DrainBenchmark.RunAsync),
    new("reconnect", "a 1,000-node fleet after its silo restarts: time until whole, and the reconnect herd, per reconnect cap", ["--accelerators", "--down-seconds"], [("--caps-ms", "MS,MS,...")], [],
        ReconnectBenchmark.RunAsync),
    new("storage", "grain-state writes/reads of the SQLite store vs bare SQLite; writes caused by heartbeats; time from restart to a whole fleet", ["--seconds", "--rounds", "--accelerators", "--heartbeat-seconds"], [], [],
        StorageBenchmark.RunAsync),
    new("memory", "managed heap and RSS per active session after many short sessions, and what idle collection gives back", ["--sessions", "--turns", "--idle-seconds"], [], [],
        MemoryBenchmark.RunAsync),
];

if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
{
    return Usage(Console.Out, args.Length == 0 ? 2 : 0);
}

if (commands.FirstOrDefault(c => c.Name == args[0]) is not { } command)
{
    Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
    return Usage(Console.Error, 2);
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(command.Usage);
    return 0;
}

if (command.Problem(args) is { } problem)
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(command.Usage);
    return 2;
}

return await command.Run(args);

int Usage(TextWriter writer, int exitCode)
{
    writer.WriteLine("usage: ControlPlane.Bench <benchmark> [options]   (ControlPlane.Bench <benchmark> --help for its options)");
    foreach (var c in commands)
    {
        writer.WriteLine($"  {c.Name,-10}  {c.Summary}");
    }

    return exitCode;
}

/// <summary>One benchmark subcommand and the options it takes, so a typo is refused instead of silently ignored.</summary>
internal sealed record BenchCommand(string Name, string Summary, string[] IntegerOptions, (string Option, string Value)[] TextOptions, string[] Flags, Func<string[], Task<int>> Run)
{
    public string Usage => $"usage: ControlPlane.Bench {Name} {string.Join(' ', IntegerOptions.Select(o => $"[{o} N]").Concat(TextOptions.Select(o => $"[{o.Option} {o.Value}]")).Concat(Flags.Select(f => $"[{f}]")))}\n  {Summary}";

    /// <summary>What is wrong with the command line (an unknown option, a missing or non-integer value), or null.</summary>
    public string? Problem(string[] args)
    {
        for (var i = 1; i < args.Length; i++)
        {
            var option = args[i];
            if (Flags.Contains(option))
            {
                continue;
            }

            var integer = IntegerOptions.Contains(option);
            if (!integer && !TextOptions.Any(o => o.Option == option))
            {
                return $"unknown option '{option}' for '{Name}'; it takes {string.Join(", ", IntegerOptions.Concat(TextOptions.Select(o => o.Option)).Concat(Flags))}";
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                return $"option '{option}' needs a value";
            }

            if (integer && !int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                return $"option '{option}' takes a whole number (got '{args[i + 1]}')";
            }

            i++;
        }

        return null;
    }
}
