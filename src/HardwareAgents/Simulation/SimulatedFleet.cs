using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Connection;
using ControlPlane.HardwareAgents.Replicas;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace ControlPlane.HardwareAgents.Simulation;

/// <summary>Shape of a simulated fleet.</summary>
public sealed class SimulatedFleetOptions
{
    /// <summary>Wafer-scale systems (one per simulated node). Default 16.</summary>
    public int Wafers { get; init; } = 16;

    /// <summary>8-GPU nodes. Default 64.</summary>
    public int GpuNodes { get; init; } = 64;

    /// <summary>SKU of the GPU nodes. Default h100-sxm.</summary>
    public string GpuSku { get; init; } = "h100-sxm";

    /// <summary>Region of every simulated accelerator.</summary>
    public string Region { get; init; } = "us-east";

    /// <summary>Zones the accelerators are spread over: GPU nodes round robin, wafers two at a time.</summary>
    public IReadOnlyList<string> Zones { get; init; } = ["use1-az1", "use1-az2"];

    /// <summary>Seeds the telemetry and backoff randomness, so a run can be repeated.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Prefix of node ids, so two simulated fleets can share a cluster.</summary>
    public string NamePrefix { get; init; } = "sim";

    /// <summary>
    /// How fast a simulated node loads weights, bytes per second. Default 25 GB/s (a few NVMe drives or a
    /// fast network fetch), so a 64 GB model loads in about 2.6 s.
    /// </summary>
    public double LoadBytesPerSecond { get; init; } = 25e9;

    /// <summary>Largest reconnect delay ceiling of every simulated agent; null keeps <see cref="NodeAgentOptions.MaxBackoff"/>'s default.</summary>
    public TimeSpan? MaxBackoff { get; init; }
}

/// <summary>
/// Many simulated nodes in one process, each its own agent with its own persistent stream over real
/// gRPC. Tokens are minted with the cluster's signing key, as a provisioning system would.
/// </summary>
public sealed class SimulatedFleet : IAsyncDisposable
{
    private static readonly Dictionary<string, (string GpuName, long MiB)> GpuModels = new(StringComparer.OrdinalIgnoreCase)
    {
        // Names and memory.total as nvidia-smi prints them for these parts.
        ["h100-sxm"] = ("NVIDIA H100 80GB HBM3", 81_559),
        ["h200"] = ("NVIDIA H200", 143_771),
        ["b200"] = ("NVIDIA B200", 183_359),
    };

    private readonly GrpcChannel _channel;
    private readonly List<(NodeAgent Agent, Task Run, CancellationTokenSource Stop)> _running = [];
    private readonly Dictionary<string, SimulatedReplicaHost> _hosts;

    private SimulatedFleet(GrpcChannel channel, IReadOnlyList<NodeAgent> agents, Dictionary<string, SimulatedReplicaHost> hosts)
    {
        _channel = channel;
        Agents = agents;
        _hosts = hosts;
    }

    /// <summary>One agent per simulated node.</summary>
    public IReadOnlyList<NodeAgent> Agents { get; }

    /// <summary>Builds the fleet's agents (not started) against <paramref name="endpoint"/>.</summary>
    public static SimulatedFleet Create(Uri endpoint, ReadOnlySpan<byte> signingKey, SimulatedFleetOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        if (!GpuModels.TryGetValue(options.GpuSku, out var model))
        {
            throw new ArgumentException($"--gpu-sku must be one of: {string.Join(", ", GpuModels.Keys)} (got '{options.GpuSku}')");
        }

        var channel = AgentChannel.Create(endpoint);
        var logger = loggers.CreateLogger<NodeAgent>();
        var random = new Random(options.Seed);
        var agents = new List<NodeAgent>();
        var hosts = new Dictionary<string, SimulatedReplicaHost>(StringComparer.Ordinal);
        for (var i = 0; i < options.Wafers + options.GpuNodes; i++)
        {
            var isWafer = i < options.Wafers;
            // Wafers come in pairs per zone (a model larger than one wafer spans wafers of one zone); GPU nodes alternate.
            var zone = options.Zones[(isWafer ? i / 2 : i) % options.Zones.Count];
            var nodeId = isWafer ? $"{options.NamePrefix}-wafer-{i:D3}" : $"{options.NamePrefix}-gpu-{i - options.Wafers:D3}";
            var spec = isWafer
                ? new AcceleratorSpec
                {
                    AcceleratorId = $"{nodeId}-cs3",
                    HardwareClass = HardwareClass.WaferScale,
                    Sku = "cs3",
                    MemoryBytes = 44_000_000_000,
                    Location = new Location { Region = options.Region, Zone = zone, Rack = $"r{i % 8:D2}" },
                }
                : GpuSpec(nodeId, options, zone, i, model);
            var agentOptions = new NodeAgentOptions
            {
                NodeId = nodeId,
                Token = BearerToken.Issue(signingKey, CallerRole.Agent, nodeId),
                Accelerators = [spec],
                AgentVersion = "simulated",
                MaxBackoff = options.MaxBackoff ?? NodeAgentOptions.DefaultMaxBackoff,
            };
            var memory = isWafer ? spec.MemoryBytes : spec.Gpus.Sum(g => g.MemoryBytes);
            var host = new SimulatedReplicaHost(nodeId, [spec.AcceleratorId], options.LoadBytesPerSecond, time);
            hosts.Add(nodeId, host);
            var telemetry = new SimulatedTelemetrySource(spec.AcceleratorId, isWafer, memory, host, new Random(random.Next()));
            agents.Add(new NodeAgent(agentOptions, channel.CreateCallInvoker(), telemetry, time, new Random(random.Next()), logger, host));
        }

        return new SimulatedFleet(channel, agents, hosts);
    }

    /// <summary>
    /// Serves one request at a simulated replica's endpoint (<c>sim://{node}/{replica}</c>, as placement
    /// returned it), for as long as the performance model says it takes. Refused when the endpoint is
    /// unknown, the replica is not ready, or every slot there is busy; cut over when a drain's deadline stops it.
    /// </summary>
    public Task<ServeOutcome> ServeAsync(string endpoint, int promptTokens, int outputTokens, CancellationToken cancellationToken)
    {
        const string scheme = "sim://";
        if (!endpoint.StartsWith(scheme, StringComparison.Ordinal) || endpoint[scheme.Length..].Split('/') is not [var node, var replica]
            || !_hosts.TryGetValue(node, out var host))
        {
            return Task.FromResult(ServeOutcome.Refused);
        }

        return host.ServeAsync(replica, promptTokens, outputTokens, cancellationToken);
    }

    /// <summary>Starts every agent.</summary>
    public void Start()
    {
        foreach (var agent in Agents)
        {
            var stop = new CancellationTokenSource();
            _running.Add((agent, Task.Run(() => agent.RunAsync(stop.Token)), stop));
        }
    }

    /// <summary>Agents whose stream is open and welcomed.</summary>
    public int ConnectedCount => Agents.Count(a => a.State == NodeAgentState.Connected);

    /// <summary>Stops every agent gracefully (each says Goodbye).</summary>
    public async Task StopAsync()
    {
        // Cancel from the thread pool: cancellation runs the agents' continuations inline, and they
        // must not run on (and capture) the caller's synchronization context.
        await Task.Run(() =>
        {
            foreach (var (_, _, stop) in _running)
            {
                stop.Cancel();
            }
        }).ConfigureAwait(false);
        await Task.WhenAll(_running.Select(r => r.Run)).ConfigureAwait(false);
        foreach (var (_, _, stop) in _running)
        {
            stop.Dispose();
        }

        _running.Clear();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _channel.Dispose();
    }

    // nvidia-smi's form (GPU-<guid>), derived from the node id so every simulated GPU is distinct fleet-wide
    // and the same across restarts of the same node.
    private static string SimulatedGpuUuid(string nodeId, int index) =>
        $"GPU-{new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{nodeId}/{index}"))[..16])}";

    private static AcceleratorSpec GpuSpec(string nodeId, SimulatedFleetOptions options, string zone, int i, (string GpuName, long MiB) model)
    {
        var spec = new AcceleratorSpec
        {
            AcceleratorId = nodeId,
            HardwareClass = HardwareClass.Gpu,
            Sku = options.GpuSku,
            Location = new Location { Region = options.Region, Zone = zone, Rack = $"r{i % 8:D2}" },
        };
        for (var g = 0; g < 8; g++)
        {
            spec.Gpus.Add(new GpuDevice
            {
                Index = g,
                Uuid = SimulatedGpuUuid(nodeId, g),
                Name = model.GpuName,
                MemoryBytes = model.MiB * 1024 * 1024,
            });
        }

        return spec;
    }
}
