using ControlPlane.HardwareAgents.Replicas;
using System.Diagnostics;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Grains.Nodes;
using ControlPlane.HardwareAgents.Connection;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>Agents that die, come back, say goodbye and answer commands, against the real silo.</summary>
public sealed class AgentLifecycleTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_killed_agent_goes_lost_within_the_lease_and_comes_back_active_with_the_same_identity()
    {
        await using var fleet = Fleet("kill", wafers: 1, gpuNodes: 1);
        fleet.Start();
        await WaitForStates("kill", AcceleratorState.Active, AcceleratorState.Active);
        var victim = fleet.Agents[1]; // the GPU node
        var before = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = victim.NodeId }, plane.Operator);

        var killedAt = Stopwatch.StartNew();
        victim.Kill();
        var lost = await Eventually.Until(() => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = victim.NodeId }, plane.Operator).ResponseAsync,
            a => a.State == AcceleratorState.Lost, Wait, "the killed node's accelerator to be Lost");
        var lostAfter = killedAt.Elapsed;
        var survivor = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = fleet.Agents[0].NodeId + "-cs3" }, plane.Operator);

        // Lost no earlier than one lease after the last heartbeat, and not much later.
        Assert.InRange(lostAfter, ControlPlaneFixture.Lease - TimeSpan.FromMilliseconds(300), ControlPlaneFixture.Lease + TimeSpan.FromSeconds(3));
        Assert.StartsWith("lease expired", lost.StateReason);
        Assert.Equal(AcceleratorState.Active, survivor.State);

        // The node restarts: same id, same token, fresh process state.
        await using var restarted = Fleet("kill", wafers: 1, gpuNodes: 1);
        var again = restarted.Agents[1];
        using var stop = new CancellationTokenSource();
        var run = again.RunAsync(stop.Token);
        var back = await Eventually.Until(() => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = victim.NodeId }, plane.Operator).ResponseAsync,
            a => a.State == AcceleratorState.Active, Wait, "the restarted node to be Active again");
        await stop.CancelAsync();
        await run;

        Assert.Equal("node reconnected", back.StateReason);
        Assert.Equal(before.RegisteredTime, back.RegisteredTime);
        Assert.Equal(before.Gpus.Select(g => g.Uuid), back.Gpus.Select(g => g.Uuid));
        Assert.Equal(2, (await plane.ListAsync("kill")).Count); // no duplicates
    }

    [Fact]
    public async Task A_killed_agent_process_goes_lost_and_its_restart_brings_it_back()
    {
        var agentDll = RepositoryPaths.AgentDll();
        var output = new System.Text.StringBuilder();
        using (var first = StartAgentProcess(agentDll, "proc", output))
        {
            await WaitForStates("proc", AcceleratorState.Active, AcceleratorState.Active, first, output);
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        await WaitForStates("proc", AcceleratorState.Lost, AcceleratorState.Lost);
        using var second = StartAgentProcess(agentDll, "proc", output);
        try
        {
            await WaitForStates("proc", AcceleratorState.Active, AcceleratorState.Active, second, output);
            Assert.Equal(2, (await plane.ListAsync("proc")).Count);
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task An_agent_refused_for_another_nodes_token_backs_off_and_reports_why()
    {
        var p = plane.NewPrefix();
        // A node whose token is for another node keeps being refused, backs off, and reports why.
        var options = new NodeAgentOptions
        {
            NodeId = $"{p}-backoff-node",
            Token = plane.Tokens.Issue(CallerRole.Agent, "someone-else"),
            Accelerators = [Specs.Wafer($"{p}-backoff-node-cs3")],
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(100),
        };
        var agent = new NodeAgent(options, plane.Channel.CreateCallInvoker(), new SimulatedTelemetrySource($"{p}-backoff-node-cs3", true, 44_000_000_000,
                new SimulatedReplicaHost($"{p}-backoff-node", [$"{p}-backoff-node-cs3"], 25e9, TimeProvider.System), new Random(1)),
            TimeProvider.System, new Random(1), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);

        await Eventually.Until(() => agent.LastStatus == Grpc.Core.StatusCode.PermissionDenied, Wait, "the refusal to be reported");
        await stop.CancelAsync();
        await run;

        Assert.Equal(0, agent.Connections);
        Assert.Contains($"it cannot act for node '{p}-backoff-node'", agent.LastError);
        Assert.Empty(await plane.ListAsync($"{p}-backoff-node"));
    }

    [Fact]
    public async Task A_graceful_stop_says_goodbye()
    {
        var metrics = plane.Metrics;
        var before = metrics.StreamsClosed.WithLabels("goodbye").Value;
        await using var fleet = Fleet("bye", wafers: 1, gpuNodes: 1);
        fleet.Start();
        await WaitForStates("bye", AcceleratorState.Active, AcceleratorState.Active);

        await fleet.StopAsync();

        Assert.All(fleet.Agents, a => Assert.Equal(NodeAgentState.Stopped, a.State));
        await Eventually.Until(() => metrics.StreamsClosed.WithLabels("goodbye").Value >= before + 2, Wait, "both goodbyes to be counted");
    }

    [Fact]
    public async Task Commands_round_trip_through_the_stream()
    {
        await using var fleet = Fleet("cmd", wafers: 0, gpuNodes: 1);
        fleet.Start();
        await WaitForStates("cmd", AcceleratorState.Active);
        var agent = fleet.Agents[0];
        var node = plane.Grains.GetGrain<INodeGrain>(agent.NodeId);

        var ping = await plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = agent.NodeId }, plane.Operator);
        var update = await node.SendCommandAsync(
            new NodeCommand("cfg-1", NodeCommandKind.ConfigUpdate, DateTimeOffset.UtcNow, "", TimeSpan.FromMilliseconds(350)), TimeSpan.FromSeconds(5));
        var refused = await node.SendCommandAsync(
            new NodeCommand("cfg-2", NodeCommandKind.ConfigUpdate, DateTimeOffset.UtcNow, "", TimeSpan.FromHours(1)), TimeSpan.FromSeconds(5));

        Assert.StartsWith("ping-", ping.CommandId);
        Assert.True(ping.RoundTripMs > 0);
        Assert.True(update.Success, update.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(350), agent.HeartbeatInterval);
        Assert.True(refused.Delivered);
        Assert.False(refused.Success);
        Assert.Contains("heartbeat_interval must be between", refused.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(350), agent.HeartbeatInterval);
    }

    [Fact]
    public async Task A_second_stream_that_opens_and_closes_leaves_the_node_with_a_command_channel()
    {
        await using var fleet = Fleet("dupstream", wafers: 0, gpuNodes: 1);
        fleet.Start();
        await WaitForStates("dupstream", AcceleratorState.Active);
        var agent = fleet.Agents[0];
        var connectionsBefore = agent.Connections;

        // Someone holding the node's token opens a second stream, is welcomed, and goes away again.
        using (var second = plane.Agents.Connect(plane.Auth(CallerRole.Agent, agent.NodeId)))
        {
            await second.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = agent.NodeId } });
            Assert.True(await second.ResponseStream.MoveNext(CancellationToken.None));
            Assert.NotNull(second.ResponseStream.Current.Welcome);
            await second.RequestStream.CompleteAsync();
            while (await second.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }

        // The newest stream owned the node; the agent's own stream was told to close, and its reconnect owns it now.
        var ping = await Eventually.Until(async () =>
            {
                try
                {
                    return await plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = agent.NodeId, TimeoutMs = 1000 }, plane.Operator).ResponseAsync;
                }
                catch (Grpc.Core.RpcException)
                {
                    return null;
                }
            },
            p => p is not null, Wait, "the node to answer pings again");

        Assert.StartsWith("ping-", ping!.CommandId);
        Assert.True(agent.Connections > connectionsBefore, "the agent's superseded stream should have been closed and reopened");
        Assert.Equal(AcceleratorState.Active, (await plane.ListAsync("dupstream")).Single().State);
    }

    [Fact]
    public async Task Pinging_a_node_whose_stream_is_gone_fails_precondition()
    {
        await using var fleet = Fleet("gone", wafers: 0, gpuNodes: 1);
        fleet.Start();
        await WaitForStates("gone", AcceleratorState.Active);
        await fleet.StopAsync();

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = fleet.Agents[0].NodeId, TimeoutMs = 2000 }, plane.Operator).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("has no open stream", error.Status.Detail);
    }

    private SimulatedFleet Fleet(string prefix, int wafers, int gpuNodes) =>
        SimulatedFleet.Create(plane.GrpcAddress, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = wafers, GpuNodes = gpuNodes, NamePrefix = prefix }, TimeProvider.System, NullLoggerFactory.Instance);

    private Task WaitForStates(string prefix, params AcceleratorState[] states) =>
        Eventually.Until(() => plane.ListAsync(prefix),
            list => list.Count == states.Length && list.Select(a => a.State).Order().SequenceEqual(states.Order()),
            Wait, $"{prefix} accelerators to be {string.Join(", ", states)}");

    private async Task WaitForStates(string prefix, AcceleratorState a, AcceleratorState b, Process agent, System.Text.StringBuilder output)
    {
        try
        {
            await WaitForStates(prefix, a, b);
        }
        catch (TimeoutException ex)
        {
            lock (output)
            {
                throw new TimeoutException($"{ex.Message}; agent process {(agent.HasExited ? $"exited with {agent.ExitCode}" : "still running")}, output:\n{output}", ex);
            }
        }
    }

    private Process StartAgentProcess(string agentDll, string prefix, System.Text.StringBuilder output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { agentDll, "simulate", "--endpoint", plane.GrpcAddress.ToString(), "--wafers", "1", "--gpu-nodes", "1", "--prefix", prefix })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        void Collect(object _, DataReceivedEventArgs line)
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
