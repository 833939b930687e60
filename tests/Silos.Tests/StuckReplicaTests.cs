using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>A silo whose replicas must be ready within three seconds of loading, so a stuck load is replaced during a test.</summary>
public sealed class ShortLoadTimeoutFixture : ControlPlaneFixture
{
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(3);

    protected override IEnumerable<string> ExtraArguments => [$"--ControlPlane:Deployments:ReplicaLoadTimeout={LoadTimeout}"];
}

/// <summary>A node that is up and heartbeating but never acts on a load command: its replica is reported and replaced.</summary>
public sealed class StuckReplicaTests(ShortLoadTimeoutFixture plane) : IClassFixture<ShortLoadTimeoutFixture>
{
    [Fact]
    public async Task A_replica_stuck_loading_is_reported_as_a_problem_and_replaced()
    {
        var p = plane.NewPrefix();
        var node = $"{p}-mute-node";
        var agent = plane.Auth(CallerRole.Agent, node);
        await plane.Agents.RegisterAsync(Specs.Register(node, Specs.GpuNode($"{node}-gpu")), agent);
        using var call = plane.Agents.Connect(agent);
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = node } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        using var stop = new CancellationTokenSource();
        var heartbeats = HeartbeatWithoutAnsweringAsync(call, $"{node}-gpu", stop.Token);

        await plane.Deployments.CreateDeploymentAsync(
            new CreateDeploymentRequest { RequestId = "create-stuck", Deployment = Models.SmallGpuModel("stuck-model") }, plane.Operator);

        // While it loads without the node acknowledging, the deployment says so.
        var stuck = await Eventually.Until(() => Get("stuck-model"),
            d => d.PlacementProblems.Any(problem => problem.Contains("is stuck loading") && problem.Contains($"not acknowledged by node {node}")),
            TimeSpan.FromSeconds(15), "the unacknowledged load to be reported as a problem");
        var first = stuck.Replicas.Single().ReplicaId;
        var listed = await plane.CpctlAsync("deployments", "list");
        Assert.Contains("stuck loading", listed.Out);

        // Past the load timeout it is given up and placed again.
        var replaced = await Eventually.Until(() => Get("stuck-model"),
            d => d.Replicas.Count == 1 && d.Replicas[0].ReplicaId != first,
            TimeSpan.FromSeconds(20), "the stuck replica to be replaced");
        Assert.Equal(ReplicaState.ReplicaLoading, replaced.Replicas[0].State);

        await stop.CancelAsync();
        await heartbeats;
    }

    private async Task<Deployment> Get(string name) =>
        await plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = name }, plane.Operator);

    // Keeps the node Active and reads its commands, answering none.
    private static async Task HeartbeatWithoutAnsweringAsync(AsyncDuplexStreamingCall<AgentMessage, ServerMessage> call, string acceleratorId, CancellationToken stop)
    {
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.MoveNext(stop))
                {
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException)
            {
            }
        });
        ulong sequence = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await call.RequestStream.WriteAsync(Specs.Telemetry(acceleratorId, ++sequence));
                await Task.Delay(200, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await reading;
    }
}
