using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>The placement and deployment APIs check every field and every caller's role, and a refusal changes nothing.</summary>
public sealed class PlacementApiBadInputTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    private Task<PlaceResponse> Place(PlaceRequest request, Metadata? headers = null) => plane.Placement.PlaceAsync(request, headers ?? plane.Gateway).ResponseAsync;

    private static PlaceRequest Good() => Models.Turn("fast", "s-1");

    public static TheoryData<string, Action<PlaceRequest>, string> BadPlaceFields() => new()
    {
        { "session_id", r => r.SessionId = "", "is required" },
        { "session_id", r => r.SessionId = "has spaces", "letters, digits" },
        { "session_id", r => r.SessionId = new string('s', 129), "1..128" },
        { "tenant_id", r => r.TenantId = "", "is required" },
        { "tenant_id", r => r.TenantId = "tenant/../x", "letters, digits" },
        { "plan", r => r.Plan = "", "enterprise, free, pro" },
        { "plan", r => r.Plan = "platinum", "must be one of enterprise, free, pro" },
        { "deployment", r => r.Deployment = "", "is required" },
        { "deployment", r => r.Deployment = "Fast_Coder", "lowercase" },
        { "deployment", r => r.Deployment = new string('d', 10_000), "(10000 characters)" },
        { "reasoning_effort", r => r.ReasoningEffort = (ReasoningEffort)9, "LOW, MEDIUM, HIGH, XHIGH" },
        { "latency_class", r => r.LatencyClass = (LatencyClass)5, "INTERACTIVE, LONG_HORIZON" },
        { "prompt_tokens", r => r.PromptTokens = -1, "0..10,000,000" },
        { "expected_output_tokens", r => r.ExpectedOutputTokens = 10_000_001, "0..10,000,000" },
        { "priority", r => r.Priority = 10, "0..9" },
    };

    [Theory]
    [MemberData(nameof(BadPlaceFields))]
    public async Task Each_bad_place_field_is_named(string field, Action<PlaceRequest> spoil, string description)
    {
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, field, () => Place(Good().With(spoil)), description);
    }

    [Fact]
    public async Task Every_bad_field_is_reported_at_once()
    {
        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => Place(new PlaceRequest { PromptTokens = -5, Priority = -1 }));

        var fields = error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field).ToArray();
        Assert.Equal(["session_id", "tenant_id", "plan", "deployment", "prompt_tokens", "priority"], fields);
    }

    [Fact]
    public async Task An_unknown_deployment_is_not_found()
    {
        var error = await RpcAssert.Fails(StatusCode.NotFound, () => Place(Models.Turn("no-such-deployment", "s-nf")));

        Assert.Contains("does not exist", error.Status.Detail);
    }

    [Fact]
    public async Task Callers_need_the_right_role()
    {
        await RpcAssert.Fails(StatusCode.Unauthenticated, () => Place(Good(), new Metadata()));
        await RpcAssert.Fails(StatusCode.Unauthenticated, () => Place(Good(), new Metadata { { "authorization", "Bearer cp1.gateway.Z2F0ZQ.forged" } }));
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => Place(Good(), plane.Auth(CallerRole.Agent, "node-1")));
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => Place(Good(), plane.Auth(CallerRole.Viewer, "v")));
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Placement.CompleteAsync(
            new CompleteRequest { SessionId = "s", TenantId = "t", PlacementId = $"pl-{Guid.NewGuid():N}" }, plane.Operator).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Deployments.CreateDeploymentAsync(
            new CreateDeploymentRequest { RequestId = "r", Deployment = Models.FastCoder("by-viewer") }, plane.Auth(CallerRole.Viewer, "v")).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => plane.Deployments.CreateDeploymentAsync(
            new CreateDeploymentRequest { RequestId = "r", Deployment = Models.FastCoder("by-gateway") }, plane.Gateway).ResponseAsync);
    }

    [Fact]
    public async Task Complete_and_renew_check_their_fields_and_unknown_placements()
    {
        var unknown = $"pl-{Guid.NewGuid():N}";

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "placement_id", () => plane.Placement.CompleteAsync(
            new CompleteRequest { SessionId = "s", TenantId = "t", PlacementId = "pl-123" }, plane.Gateway).ResponseAsync, "'pl-' and 32 hex digits");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "output_tokens", () => plane.Placement.CompleteAsync(
            new CompleteRequest { SessionId = "s", TenantId = "t", PlacementId = unknown, OutputTokens = -3 }, plane.Gateway).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.NotFound, "placement_id", () => plane.Placement.CompleteAsync(
            new CompleteRequest { SessionId = "s-unknown", TenantId = "t", PlacementId = unknown }, plane.Gateway).ResponseAsync, "not active");
        await RpcAssert.FailsOnField(StatusCode.NotFound, "placement_id", () => plane.Placement.RenewAsync(
            new RenewRequest { SessionId = "s-unknown", TenantId = "t", PlacementId = unknown }, plane.Gateway).ResponseAsync);
    }

    public static TheoryData<string, Action<Deployment>> BadDeploymentFields() => new()
    {
        { "deployment.name", d => d.Name = "Has Spaces" },
        { "deployment.model", d => d.Model = "" },
        { "deployment.parameters", d => d.Parameters = 0 },
        { "deployment.layers", d => d.Layers = -1 },
        { "deployment.precision", d => d.Precision = Precision.Unspecified },
        { "deployment.kv_bytes_per_token", d => d.KvBytesPerToken = 0 },
        { "deployment.context_window_tokens", d => d.ContextWindowTokens = 20_000_000 },
        { "deployment.allowed_classes", d => d.AllowedClasses.Clear() },
        { "deployment.allowed_classes", d => d.AllowedClasses.Add(HardwareClass.Gpu) }, // listed twice
        { "deployment.desired_replicas", d => d.DesiredReplicas = 10_001 },
        { "deployment.min_replicas", d => d.MinReplicas = 5 },
        { "deployment.max_replicas", d => d.MaxReplicas = 1 }, // below desired
        { "deployment.max_replicas", d => d.MaxReplicas = 20_000 },
        { "deployment.slo", d => d.Slo = null },
        { "deployment.slo.time_to_first_token", d => d.Slo.TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(-1)) },
        { "deployment.slo.time_to_first_token", d => d.Slo.TimeToFirstToken = new Duration { Seconds = long.MaxValue / 2 } },
        { "deployment.slo.min_tokens_per_second", d => d.Slo.MinTokensPerSecond = -4 },
        { "deployment.entitled_plans", d => d.EntitledPlans.Add("Not A Plan") },
        { "deployment.default_latency_class", d => d.DefaultLatencyClass = LatencyClass.Unspecified },
        { "deployment.model", d => d.Model = "fast\nOK" },
        { "deployment.model", d => d.Model = "fast\u202Eredoc" },
    };

    [Theory]
    [MemberData(nameof(BadDeploymentFields))]
    public async Task Each_bad_deployment_field_is_named_and_nothing_is_created(string field, Action<Deployment> spoil)
    {
        var deployment = Models.FastCoder($"bad-{Guid.NewGuid():N}"[..20]);
        spoil(deployment);

        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, field,
            () => plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = $"r-{Guid.NewGuid():N}", Deployment = deployment }, plane.Operator).ResponseAsync);
        var all = await plane.Deployments.ListDeploymentsAsync(new ListDeploymentsRequest(), plane.Operator);
        Assert.DoesNotContain(all.Deployments, d => d.Name.StartsWith("bad-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Duplicates_retries_and_reused_request_ids_are_told_apart()
    {
        var create = new CreateDeploymentRequest { RequestId = "create-dup-1", Deployment = Models.FastCoder("dup-model", replicas: 0) };

        var first = await plane.Deployments.CreateDeploymentAsync(create, plane.Operator);
        var retried = await plane.Deployments.CreateDeploymentAsync(create, plane.Operator);
        await RpcAssert.FailsOnField(StatusCode.AlreadyExists, "deployment.name",
            () => plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "create-dup-2", Deployment = Models.FastCoder("dup-model", 0) }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "request_id",
            () => plane.Deployments.ScaleDeploymentAsync(new ScaleDeploymentRequest { RequestId = "create-dup-1", Name = "dup-model", DesiredReplicas = 1, MinReplicas = -1 }, plane.Operator).ResponseAsync,
            "different request");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "request_id",
            () => plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { Deployment = Models.FastCoder("no-request-id", 0) }, plane.Operator).ResponseAsync, "is required");

        Assert.Equal(first.CreateTime, retried.CreateTime);
        Assert.Equal("dup-model", first.Name);
    }

    [Fact]
    public async Task Unknown_deployments_are_not_found_for_every_operation()
    {
        await RpcAssert.FailsOnField(StatusCode.NotFound, "name", () => plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = "ghost" }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.NotFound, "name", () => plane.Deployments.ScaleDeploymentAsync(
            new ScaleDeploymentRequest { RequestId = "s-ghost", Name = "ghost", DesiredReplicas = 1, MinReplicas = -1 }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.NotFound, "name", () => plane.Deployments.DeleteDeploymentAsync(
            new DeleteDeploymentRequest { RequestId = "d-ghost", Name = "ghost" }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.NotFound, "deployment.name", () => plane.Deployments.UpdateDeploymentAsync(
            new UpdateDeploymentRequest { RequestId = "u-ghost", Deployment = Models.FastCoder("ghost") }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "desired_replicas", () => plane.Deployments.ScaleDeploymentAsync(
            new ScaleDeploymentRequest { RequestId = "s-neg", Name = "ghost", DesiredReplicas = -2, MinReplicas = -1 }, plane.Operator).ResponseAsync);
    }

    [Fact]
    public async Task A_deployment_with_no_hardware_says_why_it_has_no_replicas()
    {
        await plane.Deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "nohw-1", Deployment = Models.FastCoder("no-hardware", 1) }, plane.Operator);

        var stuck = await Eventually.Until(() => plane.Deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = "no-hardware" }, plane.Operator).ResponseAsync,
            d => d.PlacementProblems.Count > 0, TimeSpan.FromSeconds(10), "placement problems to be reported");
        var error = await RpcAssert.Fails(StatusCode.Unavailable, () => Place(Models.Turn("no-hardware", "s-nohw")));

        Assert.Contains(stuck.PlacementProblems, p => p.Contains("1 of 1 missing replica(s) cannot be placed"));
        Assert.Contains(stuck.PlacementProblems, p => p.Contains("no wafer-scale systems") || p.Contains("wafer-scale:"));
        Assert.Contains("no replicas", error.Status.Detail);
        Assert.NotNull(error.GetRpcStatus()!.GetDetail<Google.Rpc.RetryInfo>());
    }
}
