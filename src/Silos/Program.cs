using ControlPlane.Contracts.Security;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Demo;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;

const string Usage = """
    ControlPlane silo: the Orleans silo with the control plane's gRPC APIs, /metrics and /healthz.

    Usage:
      dotnet run --project src/Silos -- [--demo [--wafers N] [--gpu-nodes N]] [CONFIG...]
      dotnet run --project src/Silos -- issue-token --role agent|gateway|operator|viewer --subject NAME [CONFIG...]

    Options:
      --demo            Also run a simulated fleet that registers over real gRPC, and print how to reach it.
      --wafers N        Simulated wafer-scale systems in the demo (default 8).
      --gpu-nodes N     Simulated 8-GPU nodes in the demo (default 24).
      -h, --help        Show this help.

    Configuration (appsettings.json, environment CONTROLPLANE__..., or --Key=Value):
      --ControlPlane:Endpoints:GrpcPort=5100      gRPC APIs (HTTP/2 only)
      --ControlPlane:Endpoints:HttpPort=5101      /metrics and /healthz (HTTP/1.1)
      --ControlPlane:Endpoints:ListenAddress=127.0.0.1
      --ControlPlane:Fleet:HeartbeatInterval=00:00:05
      --ControlPlane:Fleet:LeaseDuration=00:00:15
      --ControlPlane:Auth:SigningKey=BASE64       token signing key (development key when unset)
      --ControlPlane:Cluster:SiloPort=11111 --ControlPlane:Cluster:GatewayPort=30000
    """;

var rest = new List<string>();
var demo = false;
int wafers = 8, gpuNodes = 24;
string? role = null, subject = null;
var issueToken = args.Length > 0 && args[0] == "issue-token";
for (var i = issueToken ? 1 : 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        case "--demo":
            demo = true;
            break;
        case "--wafers" or "--gpu-nodes" or "--role" or "--subject" when i + 1 < args.Length:
            var name = args[i];
            var value = args[++i];
            if (name is "--role")
            {
                role = value;
            }
            else if (name is "--subject")
            {
                subject = value;
            }
            else if (!int.TryParse(value, out var count) || count is < 0 or > 10_000)
            {
                Console.Error.WriteLine($"error: {name} must be a whole number 0..10000 (got '{value}')");
                return 2;
            }
            else if (name is "--wafers")
            {
                wafers = count;
            }
            else
            {
                gpuNodes = count;
            }

            break;
        default:
            rest.Add(args[i]);
            break;
    }
}

WebApplication app;
try
{
    app = ControlPlaneHost.Build(rest.ToArray(), builder =>
    {
        if (issueToken)
        {
            // Only the token goes to stdout, so $(... issue-token ...) captures exactly it.
            builder.Logging.ClearProviders();
        }

        if (demo)
        {
            builder.Services.AddSingleton(new SimulatedFleetOptions { Wafers = wafers, GpuNodes = gpuNodes, NamePrefix = "demo" });
            builder.Services.AddHostedService<DemoFleetService>();
        }
    });
}
catch (InvalidConfigurationException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

if (issueToken)
{
    if (role is null || BearerToken.ParseRole(role) is not { } parsedRole || string.IsNullOrEmpty(subject))
    {
        Console.Error.WriteLine("error: issue-token needs --role agent|gateway|operator|viewer and --subject NAME (the node id for an agent)");
        return 2;
    }

    var tokens = app.Services.GetRequiredService<TokenAuthenticator>();
    string token;
    try
    {
        token = tokens.Issue(parsedRole, subject);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"error: --subject '{ControlPlane.Contracts.Text.PrintableText.Escape(subject)}': {ex.Message.Split(" (Parameter")[0]}");
        return 2;
    }

    if (tokens.UsesDevelopmentKey)
    {
        Console.Error.WriteLine("warning: no ControlPlane:Auth:SigningKey is configured; this token is signed with the public development key and works only on a silo that uses it too");
    }

    Console.WriteLine(token);
    return 0;
}

if (PortsInUse.Check(app.Services) is { Count: > 0 } taken)
{
    foreach (var line in taken)
    {
        Console.Error.WriteLine($"error: {line}");
    }

    return 2;
}

try
{
    await app.StartAsync();
}
catch (Exception ex) when (PortsInUse.Describe(ex) is { } bindFailure)
{
    Console.Error.WriteLine($"error: {bindFailure}");
    return 2;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
