using System.Diagnostics;
using System.Text;
using ControlPlane.Cli;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;

namespace ControlPlane.Silos.Tests;

/// <summary>
/// Every command in the README's "Using it" section, as written, against the demo: cpctl commands in
/// process, issue-token as a process. A new command there must be classified here, so none is skipped silently.
/// </summary>
public sealed class ReadmeCommandsTests
{
    // Commands this test does not run, and where they are exercised instead.
    private static readonly Dictionary<string, string> RunElsewhere = new(StringComparer.Ordinal)
    {
        ["dotnet run --project src/HardwareAgents -- agent"] = "a real node: nvidia-smi and an inventory file (discovery: HardwareAgents.Tests; the agent process: AgentLifecycleTests)",
        ["dotnet run --project src/HardwareAgents -- simulate"] = "runs until stopped, 80 more nodes (AgentLifecycleTests starts 'simulate' as a process)",
        ["dotnet run -c Release --project src/Simulator --"] = "a trace replay (SimulatorAppTests runs the simulator on the same traces)",
    };

    [Fact]
    public async Task Every_command_in_the_readme_works_as_written_against_the_demo()
    {
        var commands = UsingItCommands();
        Assert.True(commands.Count >= 15, $"found only {commands.Count} commands in the README's 'Using it' block");

        // The smallest demo whose ids the README names: demo-wafer-003-cs3 and demo-gpu-003.
        using var demo = await DemoProcess.StartAsync(wafers: 4, gpuNodes: 4);
        var failures = new StringBuilder();
        try
        {
            await demo.WaitForOutputAsync("deployments ready after", TimeSpan.FromSeconds(90));
            foreach (var command in commands)
            {
                var (code, output) = await RunAsync(command, demo);
                if (code != 0)
                {
                    failures.AppendLine($"$ {command}\n(exit {code})\n{output}");
                }
            }
        }
        catch (TimeoutException ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\ndemo output:\n{demo.Output}");
        }

        Assert.True(failures.Length == 0, $"README commands that failed against the demo:\n{failures}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string command, DemoProcess demo)
    {
        const string cpctl = "dotnet run --project src/Cli -- ";
        const string silo = "dotnet run --project src/Silos -- ";
        if (command.StartsWith(cpctl, StringComparison.Ordinal))
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await CpctlApp.RunAsync(Words(command[cpctl.Length..]), stdout, stderr, demo.Environment, CancellationToken.None);
            return (code, stdout.ToString() + stderr);
        }

        if (command.StartsWith(silo, StringComparison.Ordinal))
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(typeof(ControlPlaneHost).Assembly.Location);
            foreach (var word in Words(command[silo.Length..]))
            {
                start.ArgumentList.Add(word);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var printed = await stdout;
            var oneToken = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries) is [var token] && token.StartsWith("cp1.", StringComparison.Ordinal);
            return (process.ExitCode == 0 && !oneToken ? -1 : process.ExitCode, printed + await stderr);
        }

        if (RunElsewhere.Keys.Any(command.StartsWith))
        {
            return (0, "");
        }

        return (-1, "the test does not know how to run this README command; run it here or list it in RunElsewhere with where it is tested");
    }

    // The commands of the README's "Using it" code block, continuation lines joined and comments dropped.
    private static List<string> UsingItCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root(), "README.md"));
        var section = readme[readme.IndexOf("## Using it", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```sh", StringComparison.Ordinal) + 5)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        var commands = new List<string>();
        var current = "";
        foreach (var raw in block.Split('\n'))
        {
            var line = StripComment(raw).Trim();
            if (line.EndsWith('\\'))
            {
                current += line[..^1].Trim() + " ";
                continue;
            }

            current += line;
            if (current.Length > 0)
            {
                commands.Add(current);
            }

            current = "";
        }

        return commands;
    }

    private static string StripComment(string line)
    {
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == '#' && !quoted && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }

        return line;
    }

    // Splits as a shell would for the README's simple forms: words, and double-quoted words.
    private static string[] Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(word.ToString());
                }

                word.Clear();
                any = false;
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(word.ToString());
        }

        return words.ToArray();
    }
}
