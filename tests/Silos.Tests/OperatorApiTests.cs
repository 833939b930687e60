using System.Diagnostics;
using ControlPlane.Cli;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Replicas;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>
/// A silo with a simulated fleet of three H200 nodes and a 400B deployment with two replicas (minimum
/// one), so one node is always spare. Tests that drain a node resume it before they end.
/// </summary>
public sealed class OperatorFleetFixture : IAsyncLifetime
{
    public const string Large = "ops-large";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public ControlPlaneFixture Plane { get; } = new();

    public SimulatedFleet Fleet { get; private set; } = null!;

    public IReadOnlyList<string> Nodes { get; } = ["ops-gpu-000", "ops-gpu-001", "ops-gpu-002"];

    public async Task InitializeAsync()
    {
        await Plane.InitializeAsync();
        Fleet = await Plane.StartSimulatedFleetAsync(
            new SimulatedFleetOptions { Wafers = 0, GpuNodes = 3, NamePrefix = "ops", GpuSku = "h200", LoadBytesPerSecond = 2e12 }, Wait);
        var large = Models.LargeCoder(Large, replicas: 2);
        large.MinReplicas = 1;
        await Plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "init-ops-large", Deployment = large }, Plane.Operator);
        await ReadyAsync();
    }

    /// <summary>Waits until both replicas are ready on schedulable nodes.</summary>
    public Task<Deployment> ReadyAsync() => Eventually.Until(
        () => Plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Large }, Plane.Operator).ResponseAsync,
        d => d.ReadyReplicas == 2 && d.Replicas.Count == 2, Wait, "both replicas of the large model to be ready");

    public async Task DisposeAsync()
    {
        await Fleet.DisposeAsync();
        await Plane.DisposeAsync();
    }
}

/// <summary>Drain, cordon, resume, decommission and the audit log over real gRPC, with simulated agents serving real placements.</summary>
public sealed class OperatorApiTests(OperatorFleetFixture fixture, ITestOutputHelper output) : IClassFixture<OperatorFleetFixture>
{
    private const string Large = OperatorFleetFixture.Large;
    private static readonly TimeSpan Wait = OperatorFleetFixture.Wait;

    private ControlPlaneFixture Plane => fixture.Plane;

    private Task<Accelerator> Get(string id) => Plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = id }, Plane.Operator).ResponseAsync;

    private Task<Accelerator> Until(string id, AcceleratorState state, string what) => Eventually.Until(() => Get(id), a => a.State == state, Wait, what);

    private async Task ResumeAsync(string id)
    {
        await Plane.Fleet.ResumeAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { id }, Reason = "test done", RequestId = $"resume-{Guid.NewGuid():N}" }, Plane.Operator);
        await fixture.ReadyAsync();
    }

    private static DrainAcceleratorsRequest Drain(string requestId, TimeSpan? deadline = null, params string[] ids)
    {
        var request = new DrainAcceleratorsRequest { Reason = "firmware", RequestId = requestId };
        request.AcceleratorIds.AddRange(ids);
        if (deadline is { } d)
        {
            request.Deadline = Duration.FromTimeSpan(d);
        }

        return request;
    }

    private static PlaceRequest Turn(string session, int outputTokens) =>
        Models.Turn(Large, session, plan: "enterprise").With(r =>
        {
            r.PromptTokens = 500;
            r.ExpectedOutputTokens = outputTokens;
            r.LatencyClass = LatencyClass.LongHorizon;
        });

    private sealed class Gateway
    {
        public int Completed;
        public int Dropped;
        public int Retried;
        public int Moved;
        public readonly List<string> Problems = [];
    }

    // One gateway session in a loop: place a turn, run it on the node, complete it. Any turn that was placed
    // but did not run to the end, or whose completion failed, is dropped work.
    private async Task RunSessionAsync(string session, Gateway gateway, CancellationToken stop)
    {
        string? last = null;
        while (!stop.IsCancellationRequested)
        {
            PlaceResponse placed;
            try
            {
                placed = await Plane.Placement.PlaceAsync(Turn(session, 40), Plane.Gateway);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted)
            {
                Interlocked.Increment(ref gateway.Retried);
                await Task.Delay(100, CancellationToken.None);
                continue;
            }

            if (last is not null && last != placed.Placement.ReplicaId)
            {
                Interlocked.Increment(ref gateway.Moved);
            }

            last = placed.Placement.ReplicaId;
            var served = await fixture.Fleet.ServeAsync(placed.Placement.Endpoint, 500, 40, CancellationToken.None);
            try
            {
                await Plane.Placement.CompleteAsync(new CompleteRequest
                {
                    SessionId = session, TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 500, OutputTokens = 40,
                }, Plane.Gateway);
            }
            catch (RpcException ex)
            {
                served = ServeOutcome.Refused;
                lock (gateway.Problems)
                {
                    gateway.Problems.Add($"complete: {ex.Status.Detail}");
                }
            }

            if (served == ServeOutcome.Completed)
            {
                Interlocked.Increment(ref gateway.Completed);
            }
            else
            {
                Interlocked.Increment(ref gateway.Dropped);
                lock (gateway.Problems)
                {
                    gateway.Problems.Add($"{session} on {placed.Placement.ReplicaId}: {served}");
                }
            }
        }
    }

    [Fact]
    public async Task A_drain_under_steady_load_completes_with_no_request_dropped_and_sessions_move()
    {
        var gateway = new Gateway();
        using var stop = new CancellationTokenSource();
        var sessions = Enumerable.Range(0, 8).Select(i => RunSessionAsync($"ops-load-{i}", gateway, stop.Token)).ToArray();
        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref gateway.Completed)), n => n >= 8, Wait, "the load to run");

        var deployment = await Plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Large }, Plane.Operator);
        var target = deployment.Replicas[0].AcceleratorIds[0];
        var busy = await Get(target);
        var clock = Stopwatch.StartNew();
        await Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-load-drain", null, target), Plane.Operator);
        var drained = await Until(target, AcceleratorState.Drained, "the loaded node to drain");
        var elapsed = clock.Elapsed;
        var before = Volatile.Read(ref gateway.Completed);
        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref gateway.Completed)), n => n >= before + 8, Wait, "the load to go on elsewhere");
        await stop.CancelAsync();
        await Task.WhenAll(sessions);
        output.WriteLine($"drain under load: {elapsed.TotalSeconds:F2}s to Drained; {gateway.Completed} turns completed, {gateway.Moved} session moves, " +
            $"{gateway.Retried} placements retried, {gateway.Dropped} dropped; {busy.Replicas.Sum(r => r.ReservedSlots)} slots reserved at the start");

        Assert.True(gateway.Dropped == 0, string.Join("\n", gateway.Problems));
        Assert.InRange(gateway.Moved, 1, 8); // sessions on the drained replica moved, each once
        Assert.Equal(0, drained.Drain.CutPlacements);
        Assert.Equal("test-operator", drained.Drain.RequestedBy);

        // Its replica is given up and replaced on the spare node; the drained node hosts nothing.
        await Eventually.Until(() => Get(target), a => a.Replicas.Count == 0, Wait, "the drained node to give its replica up");
        await ResumeAsync(target);
    }

    [Fact]
    public async Task At_the_deadline_remaining_streams_are_cut_over_and_their_sessions_placed_elsewhere()
    {
        var first = await Plane.Placement.PlaceAsync(Turn("ops-cut-a", 100_000), Plane.Gateway);
        var target = first.Placement.AcceleratorId;
        var second = await Plane.Placement.PlaceAsync(Turn("ops-cut-b", 100_000), Plane.Gateway);
        var onTarget = new[] { first, second }.Where(p => p.Placement.AcceleratorId == target).ToArray();
        var streams = onTarget.Select(p => fixture.Fleet.ServeAsync(p.Placement.Endpoint, 500, 100_000, CancellationToken.None)).ToArray();
        await Eventually.Until(() => Get(target), a => a.Telemetry.ActiveStreams == onTarget.Length, Wait, "the node to report its streams");

        await Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-cut-drain", TimeSpan.FromSeconds(1), target), Plane.Operator);
        var outcomes = await Task.WhenAll(streams).WaitAsync(Wait);
        var drained = await Until(target, AcceleratorState.Drained, "the deadline to end the drain");
        var moved = await PlaceRetryingAsync(Turn("ops-cut-a", 100)); // as a gateway would, after RESOURCE_EXHAUSTED or UNAVAILABLE

        Assert.All(outcomes, o => Assert.Equal(ServeOutcome.CutOver, o));
        Assert.Equal(onTarget.Length, drained.Drain.CutPlacements);
        Assert.Contains("deadline passed", drained.StateReason);
        Assert.NotEqual(target, moved.Placement.AcceleratorId);
        foreach (var placed in new[] { first, second, moved })
        {
            await Plane.Placement.CompleteAsync(new CompleteRequest
            {
                SessionId = placed == second ? "ops-cut-b" : "ops-cut-a", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId,
            }, Plane.Gateway);
        }

        await ResumeAsync(target);
    }

    [Fact]
    public async Task Cpctl_drains_with_progress_resumes_and_the_audit_log_shows_who_did_what()
    {
        var spare = await SpareNodeAsync();
        var drained = await Cpctl("drain", spare, "--reason", "rack 7 firmware", "--deadline", "10m", "--wait");
        var shown = await Cpctl("accelerators", "show", spare);
        var resumed = await Cpctl("resume", spare, "--reason", "firmware done");
        var noReason = await Cpctl("drain", spare);
        var negative = await Cpctl("drain", spare, "--reason", "x", "--deadline", "-5s");
        var audit = await Cpctl("audit", "list", "--target", spare, "--since", "1h");
        var drainsOnly = await Cpctl("audit", "list", "--action", "drain", "--actor", "cpctl-test", "-o", "json");

        Assert.True(drained.Code == 0, drained.Err);
        Assert.Contains($"{spare}: drained", drained.Err);
        Assert.Contains("Drained 1 accelerator(s)", drained.Err);
        Assert.Contains("drained", drained.Out);
        Assert.Equal(0, shown.Code);
        Assert.Contains("Drain asked by", shown.Out);
        Assert.Contains("cpctl-test", shown.Out);
        Assert.Contains("rack 7 firmware", shown.Out);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("active", resumed.Out);
        Assert.NotEqual(0, noReason.Code);
        Assert.Contains("--reason", noReason.Err);
        Assert.NotEqual(0, negative.Code);
        Assert.Contains("negative", negative.Err);
        Assert.True(audit.Code == 0, audit.Err);
        var lines = audit.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("TIME (UTC)", lines[0]);
        Assert.Contains(lines, l => l.Contains("cpctl-test") && l.Contains("resume") && l.Contains("OK") && l.Contains("firmware done"));
        Assert.Contains(lines, l => l.Contains("cpctl-test") && l.Contains("drain") && l.Contains("rack 7 firmware"));
        Assert.True(lines.ToList().FindIndex(l => l.Contains("resume")) < lines.ToList().FindIndex(l => l.Contains(" drain ")), "newest first");
        Assert.Contains("\"deadline\": \"600s\"", drainsOnly.Out);
        Assert.DoesNotContain("\"resume\"", drainsOnly.Out);
        await fixture.ReadyAsync();
    }

    [Fact]
    public async Task Retried_requests_act_once_and_concurrent_drains_of_one_node_get_one_winner()
    {
        var spare = await SpareNodeAsync();
        var cordon = new AcceleratorActionRequest { AcceleratorIds = { spare }, Reason = "check", RequestId = "ops-cordon-once" };
        var first = await Plane.Fleet.CordonAcceleratorsAsync(cordon, Plane.Operator);
        var retried = await Plane.Fleet.CordonAcceleratorsAsync(cordon, Plane.Operator);
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "request_id",
            () => Plane.Fleet.UncordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare }, RequestId = "ops-cordon-once" }, Plane.Operator).ResponseAsync,
            "already used");
        await Plane.Fleet.UncordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare }, RequestId = "ops-uncordon" }, Plane.Operator);

        var racing = await Task.WhenAll(Enumerable.Range(0, 2).Select(async i =>
        {
            try
            {
                await Plane.Fleet.DrainAcceleratorsAsync(Drain($"ops-race-{i}", null, spare), Plane.Operator);
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }));
        var audit = await Plane.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Target = spare, Action = "cordon" }, Plane.Operator);

        Assert.Equal(AcceleratorState.Cordoned, first.Accelerators.Single().State);
        Assert.Equal(first.Accelerators.Single().StateChangeTime, retried.Accelerators.Single().StateChangeTime); // acted once
        Assert.Equal(1, racing.Count(c => c == StatusCode.OK));
        Assert.Contains(racing, c => c is StatusCode.FailedPrecondition or StatusCode.Aborted);
        Assert.Equal(2, audit.Entries.Count); // both calls are on record, the retry included
        await ResumeAsync(spare);
    }

    [Fact]
    public async Task Bad_lifecycle_requests_are_refused_with_the_field_and_change_nothing()
    {
        var spare = await SpareNodeAsync();
        var unknown = new AcceleratorActionRequest { AcceleratorIds = { spare, "no-such-accelerator" }, RequestId = "ops-bad-1" };
        await RpcAssert.FailsOnField(StatusCode.NotFound, "accelerator_ids[1]", () => Plane.Fleet.CordonAcceleratorsAsync(unknown, Plane.Operator).ResponseAsync, "no accelerator");
        Assert.Equal(AcceleratorState.Active, (await Get(spare)).State); // all or none

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "reason",
            () => Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-bad-2", null, spare).With(r => r.Reason = " "), Plane.Operator).ResponseAsync, "required");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "deadline",
            () => Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-bad-3", TimeSpan.FromSeconds(-5), spare), Plane.Operator).ResponseAsync, "1 s .. 7 days");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "accelerator_ids[1]",
            () => Plane.Fleet.CordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare, spare }, RequestId = "ops-bad-4" }, Plane.Operator).ResponseAsync, "twice");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "accelerator_ids",
            () => Plane.Fleet.CordonAcceleratorsAsync(new AcceleratorActionRequest { RequestId = "ops-bad-5" }, Plane.Operator).ResponseAsync, "1..100");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "request_id",
            () => Plane.Fleet.CordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare } }, Plane.Operator).ResponseAsync, "required");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "reason",
            () => Plane.Fleet.CordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare }, RequestId = "ops-bad-6", Reason = new string('x', 5_000) }, Plane.Operator).ResponseAsync, "at most 512");
        await RpcAssert.FailsOnField(StatusCode.FailedPrecondition, "accelerator_ids[0]",
            () => Plane.Fleet.DecommissionAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare }, RequestId = "ops-bad-7", Reason = "x" }, Plane.Operator).ResponseAsync, "drain it first");

        var unauthenticated = await Assert.ThrowsAsync<RpcException>(() => Plane.Fleet.CordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { spare }, RequestId = "ops-bad-8" }).ResponseAsync);
        var viewer = await Assert.ThrowsAsync<RpcException>(() => Plane.Fleet.CordonAcceleratorsAsync(
            new AcceleratorActionRequest { AcceleratorIds = { spare }, RequestId = "ops-bad-9" }, Plane.Auth(CallerRole.Viewer, "dashboard")).ResponseAsync);
        var gateway = await Assert.ThrowsAsync<RpcException>(() => Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-bad-10", null, spare), Plane.Gateway).ResponseAsync);
        var auditByViewer = await Plane.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Target = spare }, Plane.Auth(CallerRole.Viewer, "dashboard"));

        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, viewer.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, gateway.StatusCode);
        Assert.Equal(AcceleratorState.Active, (await Get(spare)).State);
        Assert.Contains(auditByViewer.Entries, e => e.Result == "NOT_FOUND" && e.RequestId == "ops-bad-1"); // refusals are on record too
        Assert.Contains(auditByViewer.Entries, e => e.Result == "INVALID_ARGUMENT" && e.Action == "drain");
    }

    [Fact]
    public async Task A_decommissioned_accelerator_is_refused_to_its_agent_and_drains_no_more_until_added_back()
    {
        var node = "ops-raw-node";
        var agent = Plane.Auth(CallerRole.Agent, node);
        await Plane.Agents.RegisterAsync(Specs.Register(node, Specs.Wafer("ops-raw-cs3")), agent);
        await Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-raw-drain", null, "ops-raw-cs3"), Plane.Operator);
        await Until("ops-raw-cs3", AcceleratorState.Drained, "an idle accelerator to drain at once");
        await Plane.Fleet.DecommissionAcceleratorsAsync(
            new AcceleratorActionRequest { AcceleratorIds = { "ops-raw-cs3" }, Reason = "end of life", RequestId = "ops-raw-decom" }, Plane.Operator);

        await RpcAssert.FailsOnField(StatusCode.FailedPrecondition, "accelerators[0].accelerator_id",
            () => Plane.Agents.RegisterAsync(Specs.Register(node, Specs.Wafer("ops-raw-cs3")), agent).ResponseAsync, "decommissioned");
        await RpcAssert.FailsOnField(StatusCode.FailedPrecondition, "accelerator_ids[0]",
            () => Plane.Fleet.DrainAcceleratorsAsync(Drain("ops-raw-drain-2", null, "ops-raw-cs3"), Plane.Operator).ResponseAsync, "decommissioned");

        await Plane.Fleet.ReaddAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { "ops-raw-cs3" }, Reason = "refurbished", RequestId = "ops-raw-readd" }, Plane.Operator);
        var registered = await Plane.Agents.RegisterAsync(Specs.Register(node, Specs.Wafer("ops-raw-cs3")), agent);

        Assert.Equal(AcceleratorState.Registering, registered.Accelerators.Single().State);
        await Plane.Fleet.CordonAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { "ops-raw-cs3" }, RequestId = "ops-raw-park" }, Plane.Operator);
    }

    private Task<PlaceResponse> PlaceRetryingAsync(PlaceRequest request) => Eventually.Until(async () =>
    {
        try
        {
            return await Plane.Placement.PlaceAsync(request, Plane.Gateway);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable)
        {
            return null;
        }
    }, r => r is not null, Wait, "a placement")!;

    // The node that hosts no replica of the large model (it has two replicas on three nodes).
    private async Task<string> SpareNodeAsync()
    {
        var deployment = await fixture.ReadyAsync();
        var used = deployment.Replicas.SelectMany(r => r.AcceleratorIds).ToHashSet();
        return fixture.Nodes.Single(n => !used.Contains(n));
    }

    private Task<(int Code, string Out, string Err)> Cpctl(params string[] args) => Plane.CpctlAsync(args);
}
