using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Tests;

public class TraceReaderTests
{
    private const string Azure = """
        TIMESTAMP,ContextTokens,GeneratedTokens
        2023-11-16 18:17:03.9799600,4808,10
        2023-11-16 18:17:04.0319600,3180,8
        not a time,100,10
        2023-11-16 18:17:05.0319600,-5,8
        2023-11-16 18:17:06.0319600,100
        2023-11-16 18:17:07.5319600,110,27
        """;

    [Fact]
    public void The_azure_trace_is_read_as_seconds_after_the_first_request_and_bad_lines_are_reported_with_their_numbers()
    {
        var problems = new TraceProblems(BadLinePolicy.Skip);

        var records = AzureTraceReader.Read(new StringReader(Azure), "code.csv", problems);

        Assert.Equal([0.0, 0.052, 3.552], records.Select(r => Math.Round(r.Seconds, 3)));
        Assert.Equal([4808, 3180, 110], records.Select(r => r.PromptTokens));
        Assert.Equal([4, 5, 6], problems.All.Select(p => p.Line));
        Assert.Contains("TIMESTAMP 'not a time'", problems.All[0].Message);
        Assert.Contains("ContextTokens '-5'", problems.All[1].Message);
        Assert.Contains("expected 3 comma-separated fields", problems.All[2].Message);
        Assert.Equal("code.csv:4", problems.All[0].ToString()[..10]);
    }

    [Fact]
    public void Under_reject_the_first_bad_line_stops_the_run_and_a_wrong_header_is_refused()
    {
        var rejected = Assert.Throws<TraceException>(() => AzureTraceReader.Read(new StringReader(Azure), "code.csv", new TraceProblems(BadLinePolicy.Reject)));
        var header = Assert.Throws<TraceException>(() => AzureTraceReader.Read(new StringReader("time,in,out\n1,2,3"), "x.csv", new TraceProblems(BadLinePolicy.Skip)));

        Assert.StartsWith("code.csv:4:", rejected.Message);
        Assert.Contains("--bad-lines skip", rejected.Message);
        Assert.Contains("expected the header", header.Message);
    }

    [Fact]
    public void Mooncake_lines_keep_their_prefix_blocks_and_bad_lines_are_reported()
    {
        var lines = """
            {"timestamp": 1000, "input_length": 1024, "output_length": 20, "hash_ids": [1, 2]}
            {"timestamp": 1500, "input_length": 1536, "output_length": 5, "hash_ids": [1, 2, 3]}
            {"timestamp": 2000, "input_length": 10}
            {"timestamp": 2500, "input_length": 10, "output_length": 3, "hash_ids": ["x"]}
            {not json
            [1, 2]
            """;
        var problems = new TraceProblems(BadLinePolicy.Skip);

        var records = MooncakeTraceReader.Read(new StringReader(lines), "mc.jsonl", problems);

        Assert.Equal(2, records.Count);
        Assert.Equal(0.5, records[1].Seconds);
        Assert.Equal([1L, 2, 3], records[1].PrefixBlocks);
        Assert.Equal([3, 4, 5, 6], problems.All.Select(p => p.Line));
        Assert.Contains("output_length", problems.All[0].Message);
        Assert.Contains("hash_ids", problems.All[1].Message);
        Assert.Contains("not valid JSON", problems.All[2].Message);
        Assert.Contains("JSON object", problems.All[3].Message);
    }

    [Theory]
    [InlineData("agentic:jobs=5,turns=2-3,output=100,tool=1", true, "")]
    [InlineData("agentic", true, "")]
    [InlineData("agentic:turns=9-3", false, "turns: need 1 <= min (9) <= max (3)")]
    [InlineData("agentic:speed=2", false, "unknown parameter 'speed'")]
    [InlineData("agentic:jobs=lots", false, "jobs needs a number")]
    [InlineData("azure:", false, "names no file")]
    [InlineData("sharegpt:x.json", false, "not a workload kind")]
    public void Workload_specs_are_parsed_or_refused_with_a_reason(string text, bool ok, string error)
    {
        Assert.Equal(ok, WorkloadSpec.TryParse(text, out _, out var message));
        Assert.Contains(error, message);
    }
}
