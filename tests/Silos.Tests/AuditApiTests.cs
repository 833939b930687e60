using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>The audit log: every operator action on record with its actor, read back newest first with filters and pages.</summary>
public sealed class AuditApiTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    private Task<ListAuditEntriesResponse> List(ListAuditEntriesRequest request, Metadata? headers = null) =>
        plane.Audit.ListAuditEntriesAsync(request, headers ?? plane.Operator).ResponseAsync;

    [Fact]
    public async Task Actions_are_listed_newest_first_by_filter_and_page_with_their_actor_and_result()
    {
        var p = plane.NewPrefix();
        var bob = plane.Auth(CallerRole.Operator, "bob");
        await plane.Agents.RegisterAsync(Specs.Register($"{p}-audit-node", Specs.Wafer($"{p}-audit-cs3")), plane.Auth(CallerRole.Agent, $"{p}-audit-node"));
        foreach (var (action, i) in new[] { "cordon", "uncordon", "cordon" }.Select((a, i) => (a, i)))
        {
            var request = new AcceleratorActionRequest { AcceleratorIds = { $"{p}-audit-cs3" }, Reason = $"step {i}", RequestId = $"audit-{i}" };
            await (action == "cordon" ? plane.Fleet.CordonAcceleratorsAsync(request, bob) : plane.Fleet.UncordonAcceleratorsAsync(request, bob));
        }

        await Assert.ThrowsAsync<RpcException>(() => plane.Fleet.DrainAcceleratorsAsync(
            new DrainAcceleratorsRequest { AcceleratorIds = { $"{p}-audit-cs3" }, Reason = "too soon", RequestId = "audit-3", Deadline = Duration.FromTimeSpan(TimeSpan.FromDays(30)) }, bob).ResponseAsync);

        var all = await List(new ListAuditEntriesRequest { Target = $"{p}-audit-cs3" });
        var page1 = await List(new ListAuditEntriesRequest { Target = $"{p}-audit-cs3", PageSize = 2 });
        var page2 = await List(new ListAuditEntriesRequest { Target = $"{p}-audit-cs3", PageSize = 2, PageToken = page1.NextPageToken });
        var cordons = await List(new ListAuditEntriesRequest { Target = $"{p}-audit-cs3", Action = "cordon" });
        var nobody = await List(new ListAuditEntriesRequest { Target = $"{p}-audit-cs3", Actor = "carol" });
        var future = await List(new ListAuditEntriesRequest { Target = $"{p}-audit-cs3", StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)), EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(2)) });

        Assert.Equal(["drain", "cordon", "uncordon", "cordon"], all.Entries.Select(e => e.Action));
        Assert.All(all.Entries, e => Assert.Equal("bob", e.Actor));
        Assert.All(all.Entries, e => Assert.Equal("operator", e.Role));
        Assert.Equal("INVALID_ARGUMENT", all.Entries[0].Result);
        Assert.Contains("deadline", all.Entries[0].ResultMessage);
        Assert.Equal("2592000s", all.Entries[0].Parameters["deadline"]);
        Assert.Equal("OK", all.Entries[1].Result);
        Assert.Equal("step 2", all.Entries[1].Reason);
        Assert.Equal("audit-2", all.Entries[1].RequestId);
        Assert.Equal(all.Entries.Take(2).Select(e => e.EntryId), page1.Entries.Select(e => e.EntryId));
        Assert.Equal(all.Entries.Skip(2).Select(e => e.EntryId), page2.Entries.Select(e => e.EntryId));
        Assert.Equal("", page2.NextPageToken);
        Assert.Equal(2, cordons.Entries.Count);
        Assert.Empty(nobody.Entries);
        Assert.Empty(future.Entries);
    }

    public static TheoryData<string, string> ForgingReasons => new()
    {
        { "newline", "rack 9\n2026-12-08 00:00:00   alice   uncordon   forge-cs3   OK" },
        { "carriage return", "rack 9\rOK" },
        { "NUL", "rack\0 9" },
        { "escape sequence", "\u001b[2Jrack 9" },
        { "right-to-left override", "rack \u202E9 kcar" },
        { "isolate", "rack \u20669" },
        { "line separator", "rack 9\u2028alice" },
        { "C1 control", "rack \u00859" },
    };

    [Theory]
    [MemberData(nameof(ForgingReasons))]
    public async Task A_reason_that_could_forge_an_audit_row_is_refused_and_recorded_escaped(string what, string reason)
    {
        var node = $"forge-{ForgingReasons.Select(r => (string)r[0]).ToList().IndexOf(what)}";
        await plane.Agents.RegisterAsync(Specs.Register(node, Specs.Wafer($"{node}-cs3")), plane.Auth(CallerRole.Agent, node));

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "reason", () => plane.Fleet.CordonAcceleratorsAsync(
            new AcceleratorActionRequest { AcceleratorIds = { $"{node}-cs3" }, Reason = reason, RequestId = $"{node}-1" }, plane.Operator).ResponseAsync, "printable text");

        // Nothing happened, and what was tried is on record without the characters that could act.
        var accelerator = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{node}-cs3" }, plane.Operator);
        Assert.NotEqual(AcceleratorState.Cordoned, accelerator.State);
        var entry = (await List(new ListAuditEntriesRequest { Target = $"{node}-cs3" })).Entries.Single();
        Assert.Equal("INVALID_ARGUMENT", entry.Result);
        Assert.True(ControlPlane.Contracts.Text.PrintableText.IsPrintable(entry.Reason), $"stored reason not escaped: {entry.Reason}");
        Assert.True(ControlPlane.Contracts.Text.PrintableText.IsPrintable(entry.ResultMessage), $"stored message not escaped: {entry.ResultMessage}");

        // cpctl shows one row for it: the header and that row, nothing posing as another entry.
        var (code, output, _) = await plane.CpctlAsync("audit", "list", "--target", $"{node}-cs3");
        Assert.Equal(0, code);
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain("\u202E", output);
    }

    [Fact]
    public async Task A_reason_longer_than_the_limit_is_refused_by_name()
    {
        var p = plane.NewPrefix();
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "reason", () => plane.Fleet.CordonAcceleratorsAsync(
            new AcceleratorActionRequest { AcceleratorIds = { $"{p}-long-reason-cs3" }, Reason = new string('r', 100_000), RequestId = "long-reason" }, plane.Operator).ResponseAsync,
            "at most 512 characters");
    }

    [Fact]
    public async Task A_refused_attempt_at_an_operator_action_is_on_record_with_who_what_and_why()
    {
        var p = plane.NewPrefix();
        var viewer = plane.Auth(CallerRole.Viewer, "curious-viewer");
        var forged = new Metadata { { "authorization", "Bearer cp1.operator.bWFsbG9yeQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } };

        await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Fleet.CordonAcceleratorsAsync(
            new AcceleratorActionRequest { AcceleratorIds = { $"{p}-denied-cs3" }, Reason = "just looking", RequestId = "denied-1" }, viewer).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Deployments.ScaleDeploymentAsync(
            new ScaleDeploymentRequest { Name = "denied-model", DesiredReplicas = 9, RequestId = "denied-2" }, plane.Gateway).ResponseAsync);
        await RpcAssert.Fails(StatusCode.Unauthenticated, () => plane.Fleet.DrainAcceleratorsAsync(
            new DrainAcceleratorsRequest { AcceleratorIds = { $"{p}-denied-cs3" }, Reason = "forged", RequestId = "denied-3" }, forged).ResponseAsync);

        var cordon = (await List(new ListAuditEntriesRequest { Actor = "curious-viewer" })).Entries.Single();
        Assert.Equal(("viewer", "cordon", "PERMISSION_DENIED"), (cordon.Role, cordon.Action, cordon.Result));
        Assert.Equal([$"{p}-denied-cs3"], cordon.Targets);
        Assert.Equal("just looking", cordon.Reason);
        Assert.Equal("denied-1", cordon.RequestId);
        Assert.Contains("role 'viewer' may not call", cordon.ResultMessage);
        var scale = (await List(new ListAuditEntriesRequest { Actor = "test-gateway", Action = "deployments.scale" })).Entries.Single();
        Assert.Equal(["denied-model"], scale.Targets);
        var drain = (await List(new ListAuditEntriesRequest { Target = $"{p}-denied-cs3", Action = "drain" })).Entries.Single();
        Assert.Equal(("(unauthenticated)", "UNAUTHENTICATED"), (drain.Actor, drain.Result));
        Assert.Contains("signature", drain.ResultMessage);

        // Reads are not operator actions: a viewer listing the fleet leaves no entry.
        await plane.Fleet.ListAcceleratorsAsync(new ListAcceleratorsRequest(), viewer);
        Assert.Single((await List(new ListAuditEntriesRequest { Actor = "curious-viewer" })).Entries);
    }

    [Fact]
    public async Task A_flood_of_refused_attempts_is_recorded_at_a_bounded_rate_and_counted_in_full()
    {
        var p = plane.NewPrefix();
        var flooder = plane.Auth(CallerRole.Viewer, "flooding-viewer");
        var bystander = plane.Auth(CallerRole.Viewer, "other-viewer");
        var counted = plane.Metrics.RefusedOperatorAttempts.WithLabels("PERMISSION_DENIED").Value;

        for (var i = 0; i < 300; i++)
        {
            await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Fleet.CordonAcceleratorsAsync(
                new AcceleratorActionRequest { AcceleratorIds = { $"{p}-flood-cs3" }, Reason = "flood", RequestId = $"flood-{i}" }, flooder).ResponseAsync);
        }

        await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Fleet.CordonAcceleratorsAsync(
            new AcceleratorActionRequest { AcceleratorIds = { $"{p}-flood-cs3" }, Reason = "once", RequestId = "other-1" }, bystander).ResponseAsync);

        var recorded = (await List(new ListAuditEntriesRequest { Actor = "flooding-viewer", PageSize = 1000 })).Entries;
        Assert.InRange(recorded.Count, 1, ControlPlane.Silos.Audit.RefusedAttemptAudit.BurstPerActor);
        Assert.Single((await List(new ListAuditEntriesRequest { Actor = "other-viewer" })).Entries);
        Assert.Equal(counted + 300, plane.Metrics.RefusedOperatorAttempts.WithLabels("PERMISSION_DENIED").Value - 1);
    }

    [Fact]
    public async Task Bad_queries_and_callers_are_refused()
    {
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "page_size", () => List(new ListAuditEntriesRequest { PageSize = 5_000 }), "0..1000");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "page_token", () => List(new ListAuditEntriesRequest { PageToken = "bm90IG91cnM=" }), "next_page_token");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "start_time", () => List(new ListAuditEntriesRequest
        {
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
        }), "after end_time");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "start_time", () => List(new ListAuditEntriesRequest
        {
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(-5)),
        }), "within 400 days");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "actor", () => List(new ListAuditEntriesRequest { Actor = new string('a', 300) }), "at most 256");

        var gateway = await Assert.ThrowsAsync<RpcException>(() => List(new ListAuditEntriesRequest(), plane.Gateway));
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => plane.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest()).ResponseAsync);
        var viewer = await List(new ListAuditEntriesRequest(), plane.Auth(CallerRole.Viewer, "dashboard"));

        Assert.Equal(StatusCode.PermissionDenied, gateway.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.NotNull(viewer);
    }
}
