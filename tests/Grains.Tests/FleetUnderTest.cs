using ControlPlane.Placement.Replicas;
using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Nodes;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;

namespace ControlPlane.Grains.Tests;

/// <summary>
/// A small fleet registered through the node grains and kept alive by a heartbeat loop standing in for
/// the agents, plus a way to play the agents' "replica loaded" reports. Every id starts with a prefix the
/// cluster fixture hands out once, so tests sharing the cluster never meet; tests build their own ids
/// (sessions, request ids) from <see cref="Prefix"/> too.
/// </summary>
internal sealed class FleetUnderTest : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly List<(string Node, string Accelerator)> _accelerators = [];
    private readonly List<string> _all = [];
    private readonly List<string> _deployments = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _heartbeats = Task.CompletedTask;

    private FleetUnderTest(IGrainFactory grains, string prefix)
    {
        _grains = grains;
        Prefix = prefix;
    }

    public string Prefix { get; }

    public static async Task<FleetUnderTest> StartAsync(FleetClusterFixture cluster, int wafers, int gpuNodes)
    {
        var prefix = cluster.NewPrefix();
        var fleet = new FleetUnderTest(cluster.Grains, prefix);
        for (var i = 0; i < wafers; i++)
        {
            var node = $"{prefix}-wnode-{i}";
            var id = $"{prefix}-wafer-{i}";
            await fleet.RegisterAsync(node, Registrations.Wafer(id, node, zone: $"z{i / 2 % 2}")); // pairs share a zone: the fast model spans two wafers
        }

        for (var i = 0; i < gpuNodes; i++)
        {
            var node = $"{prefix}-gnode-{i}";
            var id = $"{prefix}-gpu-{i}";
            await fleet.RegisterAsync(node, Registrations.GpuNode(id, node, zone: $"z{i % 2}"));
        }

        await fleet.BeatAsync(1);
        fleet._heartbeats = fleet.HeartbeatLoopAsync();
        return fleet;
    }

    public IReadOnlyList<string> AcceleratorIds => _accelerators.Select(a => a.Accelerator).ToArray();

    /// <summary>A fast 32B coding model on wafers (GPU spillover allowed), entitled to pro, 2 replicas.</summary>
    public DeploymentDefinition FastCoder(int replicas = 2, params HardwareClass[] classes) => DeploymentDefinition.From(new DeploymentSpec(
        $"{Prefix}-fast",
        "fast-coder-32b",
        new ModelShape(32_000_000_000, 64, ModelPrecision.Bf16, ModelShape.GroupedQueryKvBytesPerToken(64, 8, 128)),
        32_768,
        classes.Length == 0 ? [HardwareClass.WaferScale] : classes,
        1,
        replicas,
        new ServiceLevelObjective(TimeSpan.FromSeconds(1), 100, TimeSpan.FromMinutes(30)),
        ["pro", "tiny"],
        LatencyClass.Interactive));

    /// <summary>An 8B model on H100 nodes for long jobs.</summary>
    public DeploymentDefinition GpuModel(int replicas = 2) => DeploymentDefinition.From(new DeploymentSpec(
        $"{Prefix}-gpu",
        "llama-8b",
        ModelShape.Llama31_8B(),
        8_192,
        [HardwareClass.Gpu],
        1,
        replicas,
        new ServiceLevelObjective(TimeSpan.FromSeconds(2), 10, TimeSpan.FromMinutes(30)),
        [],
        LatencyClass.LongHorizon));

    /// <summary>Creates the deployment and plays the agents reporting every replica loaded; returns the ready view.</summary>
    public async Task<DeploymentView> DeployReadyAsync(DeploymentDefinition definition, int expectedReplicas)
    {
        var grain = _grains.GetGrain<IDeploymentGrain>(definition.Name);
        _deployments.Add(definition.Name);
        var created = await grain.CreateAsync(definition, $"create-{definition.Name}");
        Assert.True(created.Accepted, created.Message);
        var placed = await Eventually.Until(grain.GetAsync, v => v!.Replicas.Count >= expectedReplicas, TimeSpan.FromSeconds(10), $"{expectedReplicas} replicas of {definition.Name} placed");
        foreach (var replica in placed!.Replicas)
        {
            foreach (var accelerator in replica.AcceleratorIds)
            {
                await grain.ReportReplicaAsync(replica.ReplicaId, accelerator, ReplicaState.Ready, "", $"sim://{replica.ReplicaId}");
            }
        }

        return (await Eventually.Until(grain.GetAsync, v => v!.ReadyReplicas >= expectedReplicas, TimeSpan.FromSeconds(10), "replicas ready"))!;
    }

    /// <summary>Registers one more GPU node (new hardware arriving) and heartbeats it from now on.</summary>
    public async Task<string> AddGpuNodeAsync(int index)
    {
        var node = $"{Prefix}-gnode-{index}";
        var id = $"{Prefix}-gpu-{index}";
        await RegisterAsync(node, Registrations.GpuNode(id, node, zone: $"z{index % 2}"));
        await _grains.GetGrain<IAcceleratorGrain>(id).ReportTelemetryAsync(node, 1, Registrations.Busy with { ActiveStreams = 0 });
        return id;
    }

    /// <summary>Plays the agents reporting every replica of <paramref name="deployment"/> that is still loading as loaded.</summary>
    public async Task ReportLoadedAsync(string deployment)
    {
        var grain = _grains.GetGrain<IDeploymentGrain>(deployment);
        foreach (var replica in (await grain.GetAsync())!.Replicas.Where(r => r.State == ReplicaState.Loading))
        {
            foreach (var accelerator in replica.AcceleratorIds)
            {
                await grain.ReportReplicaAsync(replica.ReplicaId, accelerator, ReplicaState.Ready, "", $"sim://{replica.ReplicaId}");
            }
        }
    }

    /// <summary>Stops heartbeating one accelerator, so its lease runs out.</summary>
    public void Silence(string acceleratorId) => _accelerators.RemoveAll(a => a.Accelerator == acceleratorId);

    /// <summary>Remembers a deployment the test created by hand, so it is deleted with the fleet.</summary>
    public void Track(string deployment) => _deployments.Add(deployment);

    /// <summary>
    /// Deletes the test's deployments and cordons its accelerators, so the next test's deployments never
    /// place replicas on hardware about to lose its heartbeats: the tests share one real fleet.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_deployments.Distinct().Select(d => _grains.GetGrain<IDeploymentGrain>(d).DeleteAsync($"cleanup-{d}")));
        await Task.WhenAll(_all.Select(id => _grains.GetGrain<IAcceleratorGrain>(id).ApplyAsync(Operators.Command(OperatorAction.Cordon, "test finished"))));
        await _stop.CancelAsync();
        await _heartbeats;
        _stop.Dispose();
    }

    private async Task RegisterAsync(string node, AcceleratorRegistration registration)
    {
        var outcome = await _grains.GetGrain<INodeGrain>(node).RegisterAsync([registration], "test");
        Assert.Equal(AcceleratorRefusal.None, outcome.Refusal);
        _accelerators.Add((node, registration.AcceleratorId));
        _all.Add(registration.AcceleratorId);
    }

    private async Task HeartbeatLoopAsync()
    {
        ulong sequence = 1;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FleetClusterFixture.Lease / 6, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await BeatAsync(++sequence);
        }
    }

    private Task BeatAsync(ulong sequence) => Task.WhenAll(_accelerators.ToArray().Select(a =>
        _grains.GetGrain<IAcceleratorGrain>(a.Accelerator).ReportTelemetryAsync(a.Node, sequence, Registrations.Busy with { ActiveStreams = 0 })));
}
