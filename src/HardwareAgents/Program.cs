using System.CommandLine;
using ControlPlane.Contracts.Security;
using ControlPlane.HardwareAgents.Connection;
using ControlPlane.HardwareAgents.Discovery;
using ControlPlane.HardwareAgents.Simulation;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

var endpointOption = new Option<string>("--endpoint")
{
    Description = "gRPC address of the control plane (env CONTROLPLANE_ENDPOINT).",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTROLPLANE_ENDPOINT") ?? "http://127.0.0.1:5100",
};
endpointOption.Validators.Add(result =>
{
    var value = result.GetValueOrDefault<string>();
    if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
    {
        result.AddError($"--endpoint must be an http:// or https:// address such as http://127.0.0.1:5100 (got '{value}')");
    }
});

var tokenOption = new Option<string?>("--token")
{
    Description = "This node's agent token (env CONTROLPLANE_AGENT_TOKEN); it is bound to the node id.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTROLPLANE_AGENT_TOKEN"),
};
var nodeIdOption = new Option<string>("--node-id")
{
    Description = "This node's id; defaults to the lowercased host name.",
    DefaultValueFactory = _ => Environment.MachineName.ToLowerInvariant(),
};
var regionOption = new Option<string>("--region") { Description = "Region of this node.", Required = true };
var zoneOption = new Option<string>("--zone") { Description = "Zone of this node (a failure domain).", Required = true };
var rackOption = new Option<string>("--rack") { Description = "Rack of this node (a failure domain).", DefaultValueFactory = _ => "" };
var nvidiaSmiOption = new Option<string>("--nvidia-smi") { Description = "Path of nvidia-smi.", DefaultValueFactory = _ => "nvidia-smi" };
var noGpusOption = new Option<bool>("--no-gpus") { Description = "Do not look for GPUs (a host that only manages wafer-scale systems)." };
var gpuSkuOption = new Option<string?>("--gpu-sku") { Description = "SKU of this node's GPUs when their name is not in the catalogue (h100-sxm, h200, b200)." };
var inventoryOption = new Option<string?>("--wafer-inventory") { Description = "JSON file listing the wafer-scale systems this agent manages." };

var agentCommand = new Command("agent", "Run on an inference node: discover its accelerators, register them, and heartbeat until stopped (Ctrl+C says goodbye).")
{
    endpointOption, tokenOption, nodeIdOption, regionOption, zoneOption, rackOption, nvidiaSmiOption, noGpusOption, gpuSkuOption, inventoryOption,
};
agentCommand.SetAction(async (parse, cancellationToken) =>
{
    using var loggers = CreateLoggers();
    var log = loggers.CreateLogger("agent");
    var token = parse.GetValue(tokenOption);
    if (string.IsNullOrEmpty(token))
    {
        Console.Error.WriteLine("error: no agent token: pass --token or set CONTROLPLANE_AGENT_TOKEN (ask your operator for this node's token)");
        return 2;
    }

    var discovery = new NodeDiscoveryOptions
    {
        NodeId = parse.GetValue(nodeIdOption)!,
        Region = parse.GetValue(regionOption)!,
        Zone = parse.GetValue(zoneOption)!,
        Rack = parse.GetValue(rackOption)!,
        NvidiaSmi = parse.GetValue(noGpusOption) ? null : parse.GetValue(nvidiaSmiOption),
        GpuSku = parse.GetValue(gpuSkuOption),
        WaferInventoryPath = parse.GetValue(inventoryOption),
    };

    try
    {
        var (accelerators, telemetry) = await NodeDiscovery.DiscoverAsync(discovery, cancellationToken);
        log.LogInformation("Discovered {Count} accelerator(s): {Ids}", accelerators.Count, string.Join(", ", accelerators.Select(a => $"{a.AcceleratorId} ({a.Sku})")));
        using var channel = AgentChannel.Create(new Uri(parse.GetValue(endpointOption)!));
        var agent = new NodeAgent(
            new NodeAgentOptions { NodeId = discovery.NodeId, Token = token, Accelerators = accelerators },
            channel.CreateCallInvoker(), telemetry, TimeProvider.System, Random.Shared, loggers.CreateLogger<NodeAgent>());
        await agent.RunAsync(cancellationToken);
        return 0;
    }
    catch (HardwareDiscoveryException ex)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 3;
    }
});

var wafersOption = new Option<int>("--wafers") { Description = "Simulated wafer-scale systems.", DefaultValueFactory = _ => 16 };
var gpuNodesOption = new Option<int>("--gpu-nodes") { Description = "Simulated 8-GPU nodes.", DefaultValueFactory = _ => 64 };
var simGpuSkuOption = new Option<string>("--gpu-sku") { Description = "SKU of the simulated GPU nodes (h100-sxm, h200, b200).", DefaultValueFactory = _ => "h100-sxm" };
var signingKeyOption = new Option<string?>("--signing-key")
{
    Description = "Base64 signing key of the cluster, to mint each simulated node's token (env CONTROLPLANE_SIGNING_KEY); the development key when unset.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTROLPLANE_SIGNING_KEY"),
};
var seedOption = new Option<int>("--seed") { Description = "Seed of the simulated telemetry.", DefaultValueFactory = _ => 42 };
var prefixOption = new Option<string>("--prefix") { Description = "Prefix of the simulated node ids.", DefaultValueFactory = _ => "sim" };
foreach (var count in new[] { wafersOption, gpuNodesOption })
{
    count.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int>() is < 0 or > 10_000)
        {
            result.AddError($"{result.Option.Name} must be 0..10000");
        }
    });
}

var simulateCommand = new Command("simulate", "Run many simulated nodes in this process, each with its own stream, until stopped.")
{
    endpointOption, wafersOption, gpuNodesOption, simGpuSkuOption, signingKeyOption, seedOption, prefixOption,
};
simulateCommand.SetAction(async (parse, cancellationToken) =>
{
    using var loggers = CreateLoggers();
    var log = loggers.CreateLogger("simulate");
    var keyText = parse.GetValue(signingKeyOption);
    byte[] key;
    try
    {
        key = string.IsNullOrEmpty(keyText) ? DevelopmentSigningKey.Bytes.ToArray() : Convert.FromBase64String(keyText);
    }
    catch (FormatException)
    {
        Console.Error.WriteLine("error: --signing-key must be base64 (the value of ControlPlane:Auth:SigningKey)");
        return 2;
    }

    SimulatedFleet fleet;
    try
    {
        fleet = SimulatedFleet.Create(new Uri(parse.GetValue(endpointOption)!), key, new SimulatedFleetOptions
        {
            Wafers = parse.GetValue(wafersOption),
            GpuNodes = parse.GetValue(gpuNodesOption),
            GpuSku = parse.GetValue(simGpuSkuOption)!,
            Seed = parse.GetValue(seedOption),
            NamePrefix = parse.GetValue(prefixOption)!,
        }, TimeProvider.System, loggers);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 2;
    }

    await using (fleet)
    {
        fleet.Start();
        log.LogInformation("Started {Count} simulated nodes against {Endpoint}", fleet.Agents.Count, parse.GetValue(endpointOption));
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        log.LogInformation("Stopping: every node says goodbye");
    }

    return 0;
});

var root = new RootCommand("ControlPlane hardware agent: registers a node's accelerators with the control plane and keeps its heartbeat stream open.")
{
    agentCommand, simulateCommand,
};
return await root.Parse(args).InvokeAsync();

static ILoggerFactory CreateLoggers() => LoggerFactory.Create(builder => builder
    .AddSimpleConsole(options =>
    {
        options.SingleLine = true;
        options.TimestampFormat = "HH:mm:ss ";
    })
    .SetMinimumLevel(LogLevel.Information));
