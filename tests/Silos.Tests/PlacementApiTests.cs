using ControlPlane.Cli;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>
/// A silo with a simulated fleet (4 wafers, 2 H200 nodes) and two deployments, fast and large, both
/// ready: shared by the placement API tests, which use their own session ids.
/// </summary>
public sealed class PlacementFleetFixture : IAsyncLifetime
{
    public const string Fast = "fast";
    public const string Large = "large";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public ControlPlaneFixture Plane { get; } = new();

    public SimulatedFleet Fleet { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Plane.InitializeAsync();
        Fleet = await Plane.StartSimulatedFleetAsync(
            new SimulatedFleetOptions { Wafers = 4, GpuNodes = 2, NamePrefix = "plc", GpuSku = "h200", LoadBytesPerSecond = 1e12 }, Wait);
        await Plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "init-fast", Deployment = Models.FastCoder(Fast) }, Plane.Operator);
        await Plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "init-large", Deployment = Models.LargeCoder(Large) }, Plane.Operator);
        await Eventually.Until(() => Plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Fast }, Plane.Operator).ResponseAsync,
            d => d.ReadyReplicas == 2, Wait, "both fast replicas to load");
        await Eventually.Until(() => Plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Large }, Plane.Operator).ResponseAsync,
            d => d.ReadyReplicas == 1, Wait, "the large replica to load");
    }

    public async Task DisposeAsync()
    {
        await Fleet.DisposeAsync();
        await Plane.DisposeAsync();
    }

    /// <summary>Slots reserved on the fleet's replicas now, as the accelerators report them.</summary>
    public async Task<int> ReservedSlotsAsync() =>
        (await Task.WhenAll((await Plane.ListAsync("plc")).Select(a => Plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = a.AcceleratorId }, Plane.Operator).ResponseAsync)))
            .Sum(a => a.Replicas.Sum(r => r.ReservedSlots));
}

/// <summary>
/// The placement path end to end over real gRPC: an operator declares deployments, simulated agents load
/// the replicas and report them ready, a gateway places and completes work, the work runs on the nodes.
/// </summary>
public sealed class PlacementApiTests(PlacementFleetFixture fixture) : IClassFixture<PlacementFleetFixture>
{
    private const string Fast = PlacementFleetFixture.Fast;
    private const string Large = PlacementFleetFixture.Large;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private ControlPlaneFixture Plane => fixture.Plane;

    private SimulatedFleet Fleet => fixture.Fleet;

    [Fact]
    public async Task Agents_load_replicas_and_report_them_ready_with_an_endpoint()
    {
        var fast = await Plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Fast }, Plane.Operator);

        Assert.All(fast.Replicas, r =>
        {
            Assert.Equal(ReplicaState.ReplicaReady, r.State);
            Assert.Equal(2, r.AcceleratorIds.Count); // 64 GB with KV headroom spans two 44 GB wafers
            Assert.Equal("cs3", r.Sku);
            Assert.StartsWith("sim://plc-wafer-", r.Endpoint);
        });
        Assert.NotEqual(fast.Replicas[0].Pool, fast.Replicas[1].Pool); // spread over both zones
        Assert.Empty(fast.PlacementProblems);
    }

    [Fact]
    public async Task Renewing_a_placement_moves_its_lease_on_and_says_until_when()
    {
        var placed = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "e2e-renew"), Plane.Gateway);
        var placedUntil = placed.Placement.LeaseExpireTime.ToDateTimeOffset();

        var renewed = await Plane.Placement.RenewAsync(new RenewRequest { SessionId = "e2e-renew", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId }, Plane.Gateway);
        var renewedUntil = renewed.LeaseExpireTime.ToDateTimeOffset();
        var answeredAt = DateTimeOffset.UtcNow;
        await Plane.Placement.CompleteAsync(new CompleteRequest
        {
            SessionId = "e2e-renew", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 10, OutputTokens = 10,
        }, Plane.Gateway);

        Assert.True(renewedUntil >= placedUntil, $"renewed until {renewedUntil:O}, placed until {placedUntil:O}");
        Assert.True(renewedUntil > answeredAt, $"renewed until {renewedUntil:O}, answered at {answeredAt:O}"); // a lease, not the time of the answer
    }

    [Fact]
    public async Task An_interactive_turn_is_placed_on_a_wafer_runs_there_and_completes()
    {
        var placed = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "e2e-turn"), Plane.Gateway);

        Assert.Equal(HardwareClass.WaferScale, placed.Placement.HardwareClass);
        Assert.Equal(LatencyClass.Interactive, placed.LatencyClass);
        Assert.InRange(placed.Placement.PredictedTimeToFirstToken.ToTimeSpan(), TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(1));
        Assert.True(placed.Placement.PredictedTokensPerSecond > 1_000, $"{placed.Placement.PredictedTokensPerSecond} tok/s");
        Assert.True(placed.Placement.LeaseExpireTime.ToDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(HardwareAgents.Replicas.ServeOutcome.Completed, await Fleet.ServeAsync(placed.Placement.Endpoint, 2_000, 300, CancellationToken.None));

        var completed = await Plane.Placement.CompleteAsync(new CompleteRequest
        {
            SessionId = "e2e-turn", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 2_000, OutputTokens = 300,
        }, Plane.Gateway);
        var replay = await Plane.Placement.CompleteAsync(new CompleteRequest
        {
            SessionId = "e2e-turn", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 2_000, OutputTokens = 300,
        }, Plane.Gateway);

        Assert.False(completed.AlreadyCompleted);
        Assert.Equal(2_300, completed.SessionWaferTokens);
        Assert.True(replay.AlreadyCompleted);
        Assert.Equal(2_300, replay.SessionWaferTokens);
    }

    [Fact]
    public async Task Agents_report_each_replicas_load_and_the_control_plane_shows_it()
    {
        var placed = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "e2e-usage"), Plane.Gateway);
        using var stop = new CancellationTokenSource();
        var serving = Fleet.ServeAsync(placed.Placement.Endpoint, 1_000, 1_000_000, stop.Token); // runs until cancelled

        var accelerator = await Eventually.Until(
            () => Plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = placed.Placement.AcceleratorId }, Plane.Operator).ResponseAsync,
            a => a.Replicas.Any(r => r.ReplicaId == placed.Placement.ReplicaId && r.KvUtilization > 0), Wait, "the replica's KV use to be reported");
        var replica = accelerator.Replicas.Single(r => r.ReplicaId == placed.Placement.ReplicaId);

        Assert.Equal(1.0 / replica.Slots, replica.KvUtilization, 6); // one stream of the replica's slots
        Assert.True(accelerator.Telemetry.ActiveStreams >= 1);
        Assert.True(accelerator.Telemetry.TokensPerSecond > 1_000);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
        await Complete("e2e-usage", placed.Placement.PlacementId);
    }

    [Fact]
    public async Task A_long_horizon_job_goes_to_the_gpu_model_and_a_session_can_switch_models()
    {
        var fast = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "e2e-switch"), Plane.Gateway);
        var deep = await Plane.Placement.PlaceAsync(Models.Turn(Large, "e2e-switch").With(r => r.ReasoningEffort = ReasoningEffort.Xhigh), Plane.Gateway);

        Assert.Equal(HardwareClass.WaferScale, fast.Placement.HardwareClass);
        Assert.Equal(HardwareClass.Gpu, deep.Placement.HardwareClass);
        Assert.Equal(LatencyClass.LongHorizon, deep.LatencyClass);
        Assert.InRange(deep.Placement.PredictedTokensPerSecond, 60, 80); // ~70 tok/s: the SLO asks for a whole 8×H200 node
        await Complete("e2e-switch", fast.Placement.PlacementId);
        await Complete("e2e-switch", deep.Placement.PlacementId);
    }

    private Task<CompleteResponse> Complete(string session, string placementId) =>
        Plane.Placement.CompleteAsync(new CompleteRequest { SessionId = session, TenantId = "tenant-a", PlacementId = placementId, PromptTokens = 1, OutputTokens = 1 }, Plane.Gateway).ResponseAsync;

    private Task<int> ReservedSlotsAsync() => fixture.ReservedSlotsAsync();

    [Fact]
    public async Task PlaceStream_places_and_completes_many_requests_on_one_stream_in_batches()
    {
        using var call = Plane.Placement.PlaceStream(Plane.Gateway);
        const int count = 20; // the two fast replicas hold 22 streams
        var places = new PlacementStreamRequestBatch();
        for (var i = 0; i < count; i++)
        {
            places.Items.Add(new PlacementStreamRequest { CorrelationId = $"p{i}", Place = Models.Turn(Fast, $"stream-{i}") });
        }

        await call.RequestStream.WriteAsync(places);
        var placements = new Dictionary<string, ControlPlane.Contracts.V1.Placement>();
        while (placements.Count < count && await call.ResponseStream.MoveNext())
        {
            foreach (var reply in call.ResponseStream.Current.Items)
            {
                Assert.True(reply.BodyCase == PlacementStreamResponse.BodyOneofCase.Placed, $"{reply.CorrelationId}: {reply.Error}");
                placements[reply.CorrelationId] = reply.Placed.Placement;
            }
        }

        // Completions one item a message: a batch of one is the unbatched form.
        foreach (var (id, placement) in placements)
        {
            await call.RequestStream.WriteAsync(StreamItems.One(new PlacementStreamRequest
            {
                CorrelationId = $"c{id}",
                Complete = new CompleteRequest { SessionId = $"stream-{id[1..]}", TenantId = "tenant-a", PlacementId = placement.PlacementId, PromptTokens = 10, OutputTokens = 10 },
            }));
        }

        await call.RequestStream.CompleteAsync();
        var completed = await StreamItems.ReadAllAsync(call.ResponseStream);

        Assert.Equal(count, placements.Count);
        Assert.Equal(count, completed.Count);
        Assert.All(completed, r => Assert.Equal(PlacementStreamResponse.BodyOneofCase.Completed, r.BodyCase));
        Assert.All(placements.Values, p => Assert.Equal(HardwareClass.WaferScale, p.HardwareClass));
    }

    [Fact]
    public async Task A_correlation_id_may_be_reused_as_soon_as_its_reply_arrives_and_no_slot_leaks()
    {
        // Found by the benchmark: the id was freed after the reply was written, so a fast client reusing
        // it was refused, retried the place, and leaked the first placement's slot.
        var reservedBefore = await ReservedSlotsAsync();
        using var call = Plane.Placement.PlaceStream(Plane.Gateway);
        for (var i = 0; i < 30; i++)
        {
            await call.RequestStream.WriteAsync(StreamItems.One(new PlacementStreamRequest { CorrelationId = "p", Place = Models.Turn(Fast, "reuse") }));
            var placed = await StreamItems.NextAsync(call.ResponseStream);
            Assert.True(placed.BodyCase == PlacementStreamResponse.BodyOneofCase.Placed, placed.Error?.Message);
            await call.RequestStream.WriteAsync(StreamItems.One(new PlacementStreamRequest
            {
                CorrelationId = "c",
                Complete = new CompleteRequest { SessionId = "reuse", TenantId = "tenant-a", PlacementId = placed.Placed.Placement.PlacementId, PromptTokens = 1, OutputTokens = 1 },
            }));
            var completed = await StreamItems.NextAsync(call.ResponseStream);
            Assert.True(completed.BodyCase == PlacementStreamResponse.BodyOneofCase.Completed, completed.Error?.Message);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        await Eventually.Until(ReservedSlotsAsync, n => n == reservedBefore, Wait, "every slot of the 30 cycles to be released");
    }

    [Fact]
    public async Task A_bad_item_on_the_stream_is_answered_with_its_error_and_the_stream_goes_on()
    {
        using var call = Plane.Placement.PlaceStream(Plane.Gateway);
        await call.RequestStream.WriteAsync(new PlacementStreamRequestBatch
        {
            Items =
            {
                new PlacementStreamRequest { CorrelationId = "bad", Place = Models.Turn(Fast, "s").With(r => r.Plan = "platinum") },
                new PlacementStreamRequest { CorrelationId = "unknown", Place = Models.Turn("no-such-model", "s") },
                new PlacementStreamRequest { CorrelationId = "empty" },
                new PlacementStreamRequest { CorrelationId = "good", Place = Models.Turn(Fast, "stream-good") },
                new PlacementStreamRequest { CorrelationId = "good", Place = Models.Turn(Fast, "stream-good-again") },
                new PlacementStreamRequest { CorrelationId = "", Place = Models.Turn(Fast, "stream-no-id") },
                new PlacementStreamRequest { CorrelationId = new string('x', 65), Place = Models.Turn(Fast, "stream-long-id") },
            },
        });
        await call.RequestStream.CompleteAsync();

        var replies = (await StreamItems.ReadAllAsync(call.ResponseStream)).ToLookup(r => r.CorrelationId);

        Assert.Equal((int)Code.InvalidArgument, replies["bad"].Single().Error.Code);
        Assert.Contains("place.plan", replies["bad"].Single().Error.Fields);
        Assert.Equal((int)Code.NotFound, replies["unknown"].Single().Error.Code);
        Assert.Equal("UNKNOWN_DEPLOYMENT", replies["unknown"].Single().Error.Reason);
        Assert.Contains("body", replies["empty"].Single().Error.Fields);
        Assert.Single(replies["good"], r => r.BodyCase == PlacementStreamResponse.BodyOneofCase.Placed);
        Assert.Single(replies["good"], r => r.Error?.Fields.Contains("correlation_id") == true); // the same id twice in flight
        Assert.Contains("1..64 characters", replies[""].Single().Error.Message);
        Assert.Contains("correlation_id", replies[new string('x', 64)].Single().Error.Fields); // echoed cut to 64
        await Complete("stream-good", replies["good"].Single(r => r.BodyCase == PlacementStreamResponse.BodyOneofCase.Placed).Placed.Placement.PlacementId);
    }

    [Fact]
    public async Task A_batch_over_the_item_limit_ends_the_stream_with_invalid_argument_and_places_nothing()
    {
        var reservedBefore = await ReservedSlotsAsync();
        using var call = Plane.Placement.PlaceStream(Plane.Gateway);
        var batch = new PlacementStreamRequestBatch();
        batch.Items.AddRange(Enumerable.Range(0, ControlPlane.Contracts.Placement.PlacementStreamProtocol.MaxItemsPerBatch + 1)
            .Select(i => new PlacementStreamRequest { CorrelationId = $"p{i}", Place = Models.Turn(Fast, $"too-many-{i}") }));
        await call.RequestStream.WriteAsync(batch);

        var error = await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "items", async () => await StreamItems.ReadAllAsync(call.ResponseStream), "1..1024 items");

        Assert.Contains("1025", error.Description);
        Assert.Equal(reservedBefore, await ReservedSlotsAsync());
    }

    [Fact]
    public async Task An_unentitled_plan_is_refused_with_permission_denied()
    {
        var error = await RpcAssert.Fails(StatusCode.PermissionDenied, () => Plane.Placement.PlaceAsync(Models.Turn(Fast, "s-free", plan: "free"), Plane.Gateway).ResponseAsync);

        Assert.Equal("NOT_ENTITLED", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task A_tenant_over_its_token_limit_gets_resource_exhausted_with_a_retry_hint()
    {
        // "tiny" allows 6,000 tokens a minute per pool; wafer turns here spill to GPUs only within the SLO.
        var first = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "s-tiny", "tiny-tenant", "tiny"), Plane.Gateway);
        Assert.Equal(HardwareClass.WaferScale, first.Placement.HardwareClass);
        await Plane.Placement.CompleteAsync(new CompleteRequest
        {
            SessionId = "s-tiny", TenantId = "tiny-tenant", PlacementId = first.Placement.PlacementId, PromptTokens = 9_000, OutputTokens = 0,
        }, Plane.Gateway);

        var error = await RpcAssert.Fails(StatusCode.ResourceExhausted, async () =>
        {
            var placed = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "s-tiny", "tiny-tenant", "tiny"), Plane.Gateway);
            Assert.Fail($"placed on {placed.Placement.ReplicaId} ({placed.Placement.HardwareClass}): {placed.Reason}");
        });
        var status = error.GetRpcStatus()!;

        Assert.Equal("LIMIT_EXHAUSTED", status.GetDetail<ErrorInfo>().Reason);
        Assert.InRange(status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan(), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40));
    }

    [Fact]
    public async Task A_dry_run_explains_itself_and_reserves_nothing()
    {
        var reservedBefore = await ReservedSlotsAsync();
        var dry = await Plane.Placement.PlaceAsync(Models.Turn(Fast, "s-dry").With(r => r.DryRun = true), Plane.Operator);

        Assert.Equal("", dry.Placement.PlacementId);
        Assert.NotEmpty(dry.Placement.ReplicaId);
        Assert.Contains(dry.Explanation.Removed, f => f.Filter == "free-slot");
        Assert.Contains(dry.Explanation.WinnerScores, s => s.Scorer == "pool-preference" && s.Score == 1);
        Assert.Equal(reservedBefore, await ReservedSlotsAsync());
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => Plane.Placement.PlaceAsync(Models.Turn(Fast, "s-dry"), Plane.Operator).ResponseAsync);
    }

    [Fact]
    public async Task Cpctl_lists_and_shows_deployments_and_explains_a_placement()
    {
        var list = await Cpctl("deployments", "list");
        var show = await Cpctl("deployments", "show", Fast);
        var explain = await Cpctl("place", "-d", Fast, "--explain");

        Assert.Equal(0, list.Code);
        var rows = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", rows[0]);
        Assert.Contains(rows, r => r.StartsWith("fast ") && r.Contains("fast-coder-32b") && r.Contains("64 GB"));
        Assert.Equal(rows[0].IndexOf("READY", StringComparison.Ordinal) + 5, rows.First(r => r.StartsWith("fast ")).IndexOf("2", rows[0].IndexOf("WEIGHTS", StringComparison.Ordinal) + 10, StringComparison.Ordinal) + 1);
        Assert.Equal(0, show.Code);
        Assert.Contains("2 ready of 2 desired", show.Out);
        Assert.Contains("sim://plc-wafer-", show.Out);
        Assert.Equal(0, explain.Code);
        Assert.Contains("would place on fast-", explain.Out);
        Assert.Contains("(wafer-scale,", explain.Out);
        Assert.Contains("pool-preference", explain.Out);
        Assert.Contains("free-slot", explain.Out);
    }

    [Fact]
    public async Task Cpctl_creates_scales_and_deletes_a_deployment_and_reports_bad_flags()
    {
        var created = await Cpctl("deployments", "create", "tiny-model", "--model", "m-1b", "--parameters", "1B", "--layers", "16",
            "--kv-bytes-per-token", "32768", "--classes", "gpu", "--replicas", "1");
        var scaled = await Cpctl("deployments", "scale", "tiny-model", "--replicas", "2");
        var badParameters = await Cpctl("deployments", "create", "x", "--model", "m", "--parameters", "lots", "--layers", "1", "--kv-bytes-per-token", "1");
        var badName = await Cpctl("deployments", "create", "Bad_Name", "--model", "m", "--parameters", "1B", "--layers", "1", "--kv-bytes-per-token", "1");
        var deleted = await Cpctl("deployments", "delete", "tiny-model");
        var gone = await Cpctl("deployments", "show", "tiny-model");

        Assert.Equal(0, created.Code);
        Assert.Contains("1B parameters", created.Out);
        Assert.Equal(0, scaled.Code);
        Assert.Contains("of 2 desired", scaled.Out);
        Assert.Equal(2, badParameters.Code);
        Assert.Contains("--parameters must be a number", badParameters.Err);
        Assert.NotEqual(0, badName.Code);
        Assert.Contains("deployment.name", badName.Err);
        Assert.Equal(0, deleted.Code);
        Assert.NotEqual(0, gone.Code);
        Assert.Contains("does not exist", gone.Err);
    }

    private Task<(int Code, string Out, string Err)> Cpctl(params string[] args) => Plane.CpctlAsync(args);
}
