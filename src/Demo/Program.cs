using ControlPlane.Demo;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;

const string Usage = """
    ControlPlane demo: a silo, a simulated fleet that registers into it over real gRPC, a fast coding model
    on the wafers and a large one on the GPU nodes, and a mixed load through the placement API once the
    replicas are loaded. Prints where to point cpctl and a scraper, then progress every 10 s.

    Usage:
      dotnet run --project src/Demo -- [--wafers N] [--gpu-nodes N] [CONFIG...]

    Options:
      --wafers N        Simulated wafer-scale systems (default 8).
      --gpu-nodes N     Simulated 8-GPU nodes (default 24).
      -h, --help        Show this help.

    CONFIG is the silo's configuration (dotnet run --project src/Silos -- --help), e.g. --ControlPlane:Endpoints:GrpcPort=5200.
    """;

var rest = new List<string>();
int wafers = 8, gpuNodes = 24;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        case "--wafers" or "--gpu-nodes":
            var name = args[i];
            if (i + 1 >= args.Length || !int.TryParse(args[++i], out var count) || count is < 0 or > 10_000)
            {
                Console.Error.WriteLine($"error: {name} must be a whole number 0..10000 (got '{(i < args.Length ? args[i] : "")}')");
                return SiloRun.ConfigurationError;
            }

            (wafers, gpuNodes) = name is "--wafers" ? (count, gpuNodes) : (wafers, count);
            break;
        default:
            rest.Add(args[i]);
            break;
    }
}

var app = SiloRun.Build(rest.ToArray(), builder =>
{
    builder.Services.AddSingleton(new SimulatedFleetOptions { Wafers = wafers, GpuNodes = gpuNodes, NamePrefix = "demo" });
    builder.Services.AddHostedService<DemoFleetService>();
}, Console.Error);
return app is null ? SiloRun.ConfigurationError : await SiloRun.RunAsync(app, Console.Error);
