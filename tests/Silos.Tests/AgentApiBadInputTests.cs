using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>Every bad Register or stream message gets the right status, names the field, and leaves the fleet as it was.</summary>
public sealed class AgentApiBadInputTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    private Metadata AgentOf(string node) => plane.Auth(CallerRole.Agent, node);

    private Task Register(RegisterRequest request, Metadata? headers = null) =>
        plane.Agents.RegisterAsync(request, headers ?? AgentOf(request.NodeId)).ResponseAsync;

    public static TheoryData<string, Action<AcceleratorSpec>, string, string> BadAcceleratorFields => new()
    {
        { "empty id", s => s.AcceleratorId = "", "accelerators[0].accelerator_id", "is required" },
        { "uppercase id", s => s.AcceleratorId = "GPU-Node", "accelerators[0].accelerator_id", "lowercase letters" },
        { "oversized id", s => s.AcceleratorId = new string('a', 10_000), "accelerators[0].accelerator_id", "10000 characters" },
        { "id with a slash", s => s.AcceleratorId = "a/b", "accelerators[0].accelerator_id", "got 'a/b'" },
        { "unknown class", s => s.HardwareClass = (HardwareClass)42, "accelerators[0].hardware_class", "HARDWARE_CLASS_WAFER_SCALE or HARDWARE_CLASS_GPU" },
        { "no class", s => s.HardwareClass = HardwareClass.Unspecified, "accelerators[0].hardware_class", "HARDWARE_CLASS_WAFER_SCALE or HARDWARE_CLASS_GPU" },
        { "unknown sku", s => s.Sku = "tpu-v9", "accelerators[0].sku", "one of: b200, cs3, h100-sxm, h200" },
        { "no sku", s => s.Sku = "", "accelerators[0].sku", "is required" },
        { "sku of the other class", s => s.Sku = "h200", "accelerators[0].sku", "'h200' is a Gpu SKU" },
        { "negative SRAM", s => s.MemoryBytes = -1, "accelerators[0].memory_bytes", "must be 1..44000000000" },
        { "absurd SRAM", s => s.MemoryBytes = long.MaxValue, "accelerators[0].memory_bytes", "must be 1..44000000000" },
        { "GPUs on a wafer", s => s.Gpus.Add(new GpuDevice { Index = 0, Uuid = "GPU-x", MemoryBytes = 1 }), "accelerators[0].gpus", "must be empty" },
        { "no region", s => s.Location.Region = "", "accelerators[0].location.region", "is required" },
        { "no location", s => s.Location = null, "accelerators[0].location.zone", "is required" },
        { "bad rack", s => s.Location.Rack = "Rack 12", "accelerators[0].location.rack", "got 'Rack 12'" },
    };

    [Theory]
    [MemberData(nameof(BadAcceleratorFields))]
    public async Task A_bad_wafer_field_is_refused_by_name(string what, Action<AcceleratorSpec> breakIt, string field, string says)
    {
        var node = $"bad-wafer-{BadAcceleratorFields.Select(r => (string)r[0]).ToList().IndexOf(what)}";
        var spec = Specs.Wafer($"{node}-cs3");
        breakIt(spec);

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, field, () => Register(Specs.Register(node, spec)), says);

        Assert.Empty(await plane.ListAsync(node));
    }

    public static TheoryData<string, Action<AcceleratorSpec>, string, string> BadGpuFields => new()
    {
        { "no GPUs", s => s.Gpus.Clear(), "accelerators[0].gpus", "must list 1..8 GPUs" },
        { "nine GPUs", s => s.Gpus.Add(new GpuDevice { Index = 8, Uuid = "GPU-ninth", MemoryBytes = 1 }), "accelerators[0].gpus", "must list 1..8 GPUs" },
        { "duplicate uuid", s => s.Gpus[3].Uuid = s.Gpus[1].Uuid, "accelerators[0].gpus[3].uuid", "duplicates accelerators[0].gpus[1].uuid" },
        { "missing uuid", s => s.Gpus[2].Uuid = "", "accelerators[0].gpus[2].uuid", "is required" },
        { "duplicate index", s => s.Gpus[5].Index = 4, "accelerators[0].gpus[5].index", "distinct index" },
        { "negative index", s => s.Gpus[0].Index = -1, "accelerators[0].gpus[0].index", "distinct index" },
        { "absurd GPU memory", s => s.Gpus[0].MemoryBytes = 1L << 50, "accelerators[0].gpus[0].memory_bytes", "for a h100-sxm GPU" },
        { "zero GPU memory", s => s.Gpus[7].MemoryBytes = 0, "accelerators[0].gpus[7].memory_bytes", "must be 1.." },
        { "total disagrees", s => s.MemoryBytes = 12345, "accelerators[0].memory_bytes", "sum of the GPUs' memory" },
        { "huge name", s => s.Gpus[0].Name = new string('x', 5000), "accelerators[0].gpus[0].name", "at most 128" },
        { "name with a newline", s => s.Gpus[0].Name = "NVIDIA H100\nfake row", "accelerators[0].gpus[0].name", "printable text" },
    };

    [Theory]
    [MemberData(nameof(BadGpuFields))]
    public async Task A_bad_gpu_field_is_refused_by_name(string what, Action<AcceleratorSpec> breakIt, string field, string says)
    {
        var node = $"bad-gpu-{BadGpuFields.Select(r => (string)r[0]).ToList().IndexOf(what)}";
        var spec = Specs.GpuNode(node);
        breakIt(spec);

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, field, () => Register(Specs.Register(node, spec)), says);

        Assert.Empty(await plane.ListAsync(node));
    }

    [Fact]
    public async Task Every_bad_field_of_a_request_is_reported_at_once()
    {
        var spec = Specs.GpuNode("bad-many");
        spec.Sku = "";
        spec.Location.Zone = "";
        var request = Specs.Register("bad-many", spec, Specs.Wafer("bad-many"));
        request.AgentVersion = new string('v', 65);

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => Register(request));

        var fields = error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Contains("agent_version", fields);
        Assert.Contains("accelerators[0].sku", fields);
        Assert.Contains("accelerators[0].location.zone", fields);
        Assert.Contains("accelerators[1].accelerator_id", fields); // duplicate of [0]
    }

    [Fact]
    public async Task An_agent_version_with_control_characters_is_refused()
    {
        var p = plane.NewPrefix();
        var request = Specs.Register("bad-version", Specs.Wafer($"{p}-bad-version-cs3"));
        request.AgentVersion = "1.0\u001b[31m";

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "agent_version", () => Register(request), "U+001B at position 3");

        Assert.Empty(await plane.ListAsync("bad-version"));
    }

    [Fact]
    public async Task Node_id_form_and_accelerator_count_are_checked()
    {
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "node_id", () => Register(Specs.Register("", Specs.Wafer("x")), AgentOf("x")), "is required");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "accelerators", () => Register(Specs.Register("bad-empty")), "1..64");
        var tooMany = Enumerable.Range(0, 65).Select(i => Specs.Wafer($"bad-many-{i}")).ToArray();
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "accelerators", () => Register(Specs.Register("bad-too-many", tooMany)), "got 65");
        Assert.Empty(await plane.ListAsync("bad-many-"));
    }

    [Fact]
    public async Task Registering_without_a_token_or_with_a_wrong_one_is_unauthenticated()
    {
        var p = plane.NewPrefix();
        var request = Specs.Register($"{p}-auth-node", Specs.Wafer($"{p}-auth-node-cs3"));

        var none = await RpcAssert.Fails(StatusCode.Unauthenticated, () => Register(request, new Metadata()));
        var garbage = await RpcAssert.Fails(StatusCode.Unauthenticated, () => Register(request, new Metadata { { "authorization", "Bearer nonsense" } }));
        var forged = BearerToken.Issue("some-other-cluster-signing-key-32-bytes!!"u8, CallerRole.Agent, $"{p}-auth-node");
        var wrongKey = await RpcAssert.Fails(StatusCode.Unauthenticated, () => Register(request, new Metadata { { "authorization", $"Bearer {forged}" } }));
        var basic = await RpcAssert.Fails(StatusCode.Unauthenticated, () => Register(request, new Metadata { { "authorization", "Basic dXNlcjpwYXNz" } }));

        Assert.Contains("missing 'authorization: Bearer <token>'", none.Status.Detail);
        Assert.Contains("not a ControlPlane token", garbage.Status.Detail);
        Assert.Contains("signature does not match", wrongKey.Status.Detail);
        Assert.Contains("Bearer scheme", basic.Status.Detail);
        Assert.Empty(await plane.ListAsync($"{p}-auth-node"));
    }

    [Fact]
    public async Task A_token_for_another_node_or_another_role_is_denied()
    {
        var p = plane.NewPrefix();
        var request = Specs.Register($"{p}-victim-node", Specs.Wafer($"{p}-victim-node-cs3"));

        await RpcAssert.FailsOnField(StatusCode.PermissionDenied, "node_id", () => Register(request, AgentOf($"{p}-attacker-node")), $"bound to node '{p}-attacker-node'");
        var asOperator = await RpcAssert.Fails(StatusCode.PermissionDenied, () => Register(request, plane.Operator));

        Assert.Contains("needs a token with role agent", asOperator.Status.Detail);
        Assert.Empty(await plane.ListAsync($"{p}-victim-node"));
    }

    [Fact]
    public async Task An_accelerator_id_held_by_another_node_already_exists_and_stays_with_its_owner()
    {
        var p = plane.NewPrefix();
        await Register(Specs.Register($"{p}-owner-node", Specs.Wafer($"{p}-shared-cs3")));

        await RpcAssert.FailsOnField(StatusCode.AlreadyExists, "accelerators[1].accelerator_id",
            () => Register(Specs.Register($"{p}-other-node", Specs.Wafer($"{p}-other-node-cs3"), Specs.Wafer($"{p}-shared-cs3"))), $"registered to node '{p}-owner-node'");

        var shared = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-shared-cs3" }, plane.Operator);
        Assert.Equal($"{p}-owner-node", shared.NodeId);
        Assert.Empty(await plane.ListAsync($"{p}-other-node")); // all or nothing: its own wafer was not registered either
    }

    [Fact]
    public async Task A_gpu_uuid_already_in_another_accelerator_is_refused_fleet_wide()
    {
        await Register(Specs.Register("gpu-first", Specs.GpuNode("gpu-first")));
        var clone = Specs.GpuNode("gpu-clone");
        clone.Gpus[6].Uuid = "GPU-gpu-first-6"; // the same physical device, declared by a cloned agent config

        await RpcAssert.FailsOnField(StatusCode.AlreadyExists, "accelerators[0].gpus",
            () => Register(Specs.Register("gpu-clone", clone)), "already registered as part of accelerator 'gpu-first'");

        Assert.Empty(await plane.ListAsync("gpu-clone"));
        await Register(Specs.Register("gpu-first", Specs.GpuNode("gpu-first"))); // its owner may re-register it
    }

    [Fact]
    public async Task Re_registering_is_idempotent()
    {
        var p = plane.NewPrefix();
        var request = Specs.Register($"{p}-again-node", Specs.GpuNode($"{p}-again-node"));

        var first = await plane.Agents.RegisterAsync(request, AgentOf($"{p}-again-node"));
        var second = await plane.Agents.RegisterAsync(request, AgentOf($"{p}-again-node"));

        Assert.Equal(first.Accelerators[0].RegisteredTime, second.Accelerators[0].RegisteredTime);
        Assert.Single(await Eventually.Until(() => plane.ListAsync($"{p}-again-node"), l => l.Count == 1, TimeSpan.FromSeconds(10), "the index"));
        Assert.True(second.LeaseDuration.ToTimeSpan() > second.HeartbeatInterval.ToTimeSpan());
    }

    [Fact]
    public async Task The_stream_must_open_with_a_hello()
    {
        var p = plane.NewPrefix();
        await Register(Specs.Register($"{p}-hello-node", Specs.Wafer($"{p}-hello-node-cs3")));
        using var call = plane.Agents.Connect(AgentOf($"{p}-hello-node"));

        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-hello-node-cs3", 1));

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "hello", () => call.ResponseStream.MoveNext(), "first message on the stream must be a Hello");
    }

    [Fact]
    public async Task A_hello_for_another_node_is_denied_and_one_before_register_fails_precondition()
    {
        using (var call = plane.Agents.Connect(AgentOf("hello-a")))
        {
            await call.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = "hello-b" } });
            await RpcAssert.FailsOnField(StatusCode.PermissionDenied, "hello.node_id", () => call.ResponseStream.MoveNext());
        }

        using (var call = plane.Agents.Connect(AgentOf("never-registered")))
        {
            await call.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = "never-registered" } });
            await RpcAssert.FailsOnField(StatusCode.FailedPrecondition, "hello.node_id", () => call.ResponseStream.MoveNext(), "call Register before Connect");
        }
    }

    [Fact]
    public async Task Telemetry_for_an_unregistered_accelerator_is_not_found()
    {
        var p = plane.NewPrefix();
        using var call = await OpenStream("tele-unreg", $"{p}-tele-unreg-cs3");

        await call.RequestStream.WriteAsync(Specs.Telemetry("no-such-accelerator", 1));

        await RpcAssert.FailsOnField(StatusCode.NotFound, "telemetry.accelerator_id", () => call.ResponseStream.MoveNext(), "not registered");
    }

    [Fact]
    public async Task Telemetry_for_another_nodes_accelerator_is_denied_and_leaves_it_untouched()
    {
        var p = plane.NewPrefix();
        await Register(Specs.Register("tele-owner", Specs.Wafer($"{p}-tele-owned-cs3")));
        var denied = plane.Metrics.StreamErrors.WithLabels("PermissionDenied").Value;
        var before = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-tele-owned-cs3" }, plane.Operator);
        using var call = await OpenStream("tele-intruder", $"{p}-tele-intruder-cs3");

        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-tele-owned-cs3", 1, utilization: 0.99));

        await RpcAssert.FailsOnField(StatusCode.PermissionDenied, "telemetry.accelerator_id", () => call.ResponseStream.MoveNext(), "belongs to another node");
        var after = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-tele-owned-cs3" }, plane.Operator);
        Assert.Equal(before.State, after.State);
        Assert.Equal(before.Telemetry, after.Telemetry);
        Assert.Null(after.LastHeartbeatTime);
        Assert.True(plane.Metrics.StreamErrors.WithLabels("PermissionDenied").Value > denied);
    }

    [Fact]
    public async Task Drain_progress_with_a_negative_count_or_for_another_nodes_accelerator_is_refused()
    {
        var p = plane.NewPrefix();
        await Register(Specs.Register("drain-owner", Specs.Wafer($"{p}-drain-owned-cs3")));
        using (var call = await OpenStream("drain-bad", $"{p}-drain-bad-cs3"))
        {
            await call.RequestStream.WriteAsync(new AgentMessage { DrainProgress = new DrainProgress { AcceleratorId = $"{p}-drain-bad-cs3", RemainingStreams = -1 } });
            await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "drain_progress.remaining_streams", () => call.ResponseStream.MoveNext(), "0..1000000");
        }

        using var intruder = await OpenStream("drain-intruder", $"{p}-drain-intruder-cs3");
        await intruder.RequestStream.WriteAsync(new AgentMessage { DrainProgress = new DrainProgress { AcceleratorId = $"{p}-drain-owned-cs3", RemainingStreams = 0 } });
        await RpcAssert.FailsOnField(StatusCode.PermissionDenied, "drain_progress.accelerator_id", () => intruder.ResponseStream.MoveNext(), "not one of this node's");
    }

    public static TheoryData<string, Action<AcceleratorTelemetry>, string> BadTelemetry => new()
    {
        { "utilisation above 1", t => t.Utilization = 1.5, "telemetry.telemetry.utilization" },
        { "NaN utilisation", t => t.Utilization = double.NaN, "telemetry.telemetry.utilization" },
        { "negative streams", t => t.ActiveStreams = -3, "telemetry.telemetry.active_streams" },
        { "infinite tokens", t => t.TokensPerSecond = double.PositiveInfinity, "telemetry.telemetry.tokens_per_second" },
        { "negative free memory", t => t.FreeMemoryBytes = -1, "telemetry.telemetry.free_memory_bytes" },
        { "boiling", t => t.TemperatureCelsius = 1000, "telemetry.telemetry.temperature_celsius" },
        { "unknown health", t => t.Health = (HealthStatus)9, "telemetry.telemetry.health" },
        { "replica KV above 1", t => t.Replicas.Add(new ReplicaUsage { ReplicaId = "fast-1", KvUtilization = 1.5 }), "telemetry.telemetry.replicas[0].kv_utilization" },
        { "replica with a bad id", t => t.Replicas.Add(new ReplicaUsage { ReplicaId = "Fast 1" }), "telemetry.telemetry.replicas[0].replica_id" },
        { "negative replica queue", t => t.Replicas.Add(new ReplicaUsage { ReplicaId = "fast-1", QueueDepth = -1 }), "telemetry.telemetry.replicas[0].queue_depth" },
        { "too many replicas", t => t.Replicas.AddRange(Enumerable.Range(0, 65).Select(i => new ReplicaUsage { ReplicaId = $"r-{i}" })), "telemetry.telemetry.replicas" },
    };

    [Theory]
    [MemberData(nameof(BadTelemetry))]
    public async Task Implausible_telemetry_is_refused_by_field_and_not_recorded(string what, Action<AcceleratorTelemetry> breakIt, string field)
    {
        var node = $"tele-bad-{BadTelemetry.Select(r => (string)r[0]).ToList().IndexOf(what)}";
        using var call = await OpenStream(node, $"{node}-cs3");
        var message = Specs.Telemetry($"{node}-cs3", 1);
        breakIt(message.Telemetry.Telemetry);

        await call.RequestStream.WriteAsync(message);

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, field, () => call.ResponseStream.MoveNext());
        var accelerator = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{node}-cs3" }, plane.Operator);
        // Never heartbeated: still Registering, or Lost if the one-second test lease ran out meanwhile.
        Assert.Contains(accelerator.State, new[] { AcceleratorState.Registering, AcceleratorState.Lost });
        Assert.Null(accelerator.LastHeartbeatTime);
        Assert.Equal(0, accelerator.Telemetry.Utilization);
    }

    [Fact]
    public async Task A_replayed_report_is_ignored()
    {
        var p = plane.NewPrefix();
        using var call = await OpenStream($"{p}-replay-node", $"{p}-replay-node-cs3");
        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-replay-node-cs3", 5, utilization: 0.7));
        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-replay-node-cs3", 4, utilization: 0.1)); // older: must not win
        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-replay-node-cs3", 5, utilization: 0.2)); // replayed: must not win

        var accelerator = await Eventually.Until(
            () => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-replay-node-cs3" }, plane.Operator).ResponseAsync,
            a => a.State == AcceleratorState.Active, TimeSpan.FromSeconds(10), "the first report");
        await call.RequestStream.WriteAsync(new AgentMessage { Goodbye = new Goodbye { Reason = "done" } });
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext())
        {
        }

        accelerator = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-replay-node-cs3" }, plane.Operator);
        Assert.Equal(0.7, accelerator.Telemetry.Utilization);
    }

    [Fact]
    public async Task A_report_refused_after_the_stream_was_accepted_still_ends_the_stream()
    {
        var p = plane.NewPrefix();
        using var call = await OpenStream("tele-decom", $"{p}-tele-decom-cs3");
        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-tele-decom-cs3", 1));
        await Eventually.Until(
            () => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-tele-decom-cs3" }, plane.Operator).ResponseAsync,
            a => a.State == AcceleratorState.Active, TimeSpan.FromSeconds(10), "the first report");

        // The node falls silent (this raw stream sends no more heartbeats), and an operator retires it.
        await Eventually.Until(
            () => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-tele-decom-cs3" }, plane.Operator).ResponseAsync,
            a => a.State == AcceleratorState.Lost, TimeSpan.FromSeconds(10), "the lease to expire");
        await plane.Fleet.DecommissionAcceleratorsAsync(new AcceleratorActionRequest
        {
            AcceleratorIds = { $"{p}-tele-decom-cs3" }, Reason = "retire", RequestId = "tele-decom-decommission",
        }, plane.Operator);

        // Later reports are forwarded in the background; the refusal must still reach the agent.
        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-tele-decom-cs3", 2));

        await RpcAssert.FailsOnField(StatusCode.FailedPrecondition, "telemetry.accelerator_id", () => call.ResponseStream.MoveNext(), "decommissioned");
    }

    [Fact]
    public async Task A_flood_of_reports_is_accepted_and_folded_into_the_latest_snapshot()
    {
        var p = plane.NewPrefix();
        var accepted = plane.Metrics.TelemetryReports.Value;
        var applied = plane.Metrics.TelemetryApplied.Value;
        using var call = await OpenStream("tele-flood", $"{p}-tele-flood-cs3");

        for (ulong i = 1; i <= 500; i++)
        {
            await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-tele-flood-cs3", i, utilization: i / 1000.0));
        }

        await call.RequestStream.WriteAsync(new AgentMessage { Goodbye = new Goodbye { Reason = "done" } });
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext())
        {
        }

        var accelerator = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{p}-tele-flood-cs3" }, plane.Operator);
        Assert.Equal(0.5, accelerator.Telemetry.Utilization); // the last report won
        Assert.True(plane.Metrics.TelemetryReports.Value - accepted >= 500);
        Assert.True(plane.Metrics.TelemetryApplied.Value - applied < 500, "reports arriving faster than the apply interval must be folded");
    }

    private async Task<AsyncDuplexStreamingCall<AgentMessage, ServerMessage>> OpenStream(string node, string waferId)
    {
        await Register(Specs.Register(node, Specs.Wafer(waferId)));
        var call = plane.Agents.Connect(AgentOf(node));
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = node } });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal([waferId], call.ResponseStream.Current.Welcome.AcceleratorIds);
        return call;
    }
}
