using ControlPlane.Contracts.Security;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;

const string Usage = """
    ControlPlane silo: the Orleans silo with the control plane's gRPC APIs, /metrics and /healthz.
    For the one-command demo (a silo with a simulated fleet and load): dotnet run --project src/Demo

    Usage:
      dotnet run --project src/Silos -- [CONFIG...]
      dotnet run --project src/Silos -- issue-token --role agent|gateway|operator|viewer --subject NAME [CONFIG...]

    Options:
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
            Console.Error.WriteLine("error: the demo is its own host now: dotnet run --project src/Demo [-- --wafers N --gpu-nodes N]");
            return SiloRun.ConfigurationError;
        case "--role" or "--subject" when i + 1 < args.Length:
            if (args[i] is "--role")
            {
                role = args[++i];
            }
            else
            {
                subject = args[++i];
            }

            break;
        default:
            rest.Add(args[i]);
            break;
    }
}

var app = SiloRun.Build(rest.ToArray(), builder =>
{
    if (issueToken)
    {
        // Only the token goes to stdout, so $(... issue-token ...) captures exactly it.
        builder.Logging.ClearProviders();
    }
}, Console.Error);
if (app is null)
{
    return SiloRun.ConfigurationError;
}

if (issueToken)
{
    if (role is null || BearerToken.ParseRole(role) is not { } parsedRole || string.IsNullOrEmpty(subject))
    {
        Console.Error.WriteLine("error: issue-token needs --role agent|gateway|operator|viewer and --subject NAME (the node id for an agent)");
        return SiloRun.ConfigurationError;
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
        return SiloRun.ConfigurationError;
    }

    if (tokens.UsesDevelopmentKey)
    {
        Console.Error.WriteLine("warning: no ControlPlane:Auth:SigningKey is configured; this token is signed with the public development key and works only on a silo that uses it too");
    }

    Console.WriteLine(token);
    return 0;
}

return await SiloRun.RunAsync(app, Console.Error);
