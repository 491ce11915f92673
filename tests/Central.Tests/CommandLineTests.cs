using System.Net;
using System.Net.Sockets;
using City.Central.Configuration;

namespace City.Central.Tests;

/// <summary>Central's command line and port check, in-process (the real process is checked in tests/EndToEnd.Tests/CommandLineTests).</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("central-cli-").FullName;

    [Theory]
    [InlineData("--Central:HttpUrl=http://127.0.0.1:0")]
    [InlineData("--Central:HttpUrl", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning")]
    [InlineData("--central:mqtt:port=0")]
    public void Configuration_arguments_let_central_start(params string[] args)
    {
        var (code, output, error) = Check(args);
        Assert.Null(code);
        Assert.Empty(output + error);
    }

    [Theory]
    [InlineData("unknown argument 'stray'", "stray")]
    [InlineData("unknown configuration section 'Centarl' in '--Centarl:HttpUrl=x' (known: Central, Logging)", "--Centarl:HttpUrl=x")]
    [InlineData("unknown configuration section 'urls' in '--urls=http://x' (known: Central, Logging)", "--urls=http://x")]
    [InlineData("'--Central:DataPath' needs a value: --Central:DataPath=VALUE", "--Central:DataPath")]
    public void Anything_else_is_refused_with_exit_code_2_naming_it(string message, params string[] args)
    {
        var (code, output, error) = Check(args);
        Assert.Equal(CommandLine.ExitUsage, code);
        Assert.Empty(output);
        Assert.Contains($"central: {message}\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_section_of_appsettings_json_is_named()
    {
        File.WriteAllText(Path.Combine(_directory, "appsettings.json"), """{ "Central": {}, "Logging": {}, "Centrl": {} }""");
        var (code, _, error) = Check();
        Assert.Equal(CommandLine.ExitUsage, code);
        Assert.Contains("unknown configuration section 'Centrl'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--Central:HttpUrl", "--help")]
    public void Help_wins_and_exits_0(params string[] args)
    {
        var (code, output, error) = Check(args);
        Assert.Equal(0, code);
        Assert.StartsWith("usage: central", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public void The_shipped_appsettings_json_has_only_known_sections()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Null(CommandLine.Check([], AppContext.BaseDirectory, output, error));
    }

    [Fact]
    public void ListenCheck_names_the_key_and_the_address_of_a_taken_port_and_skips_port_0()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var options = new CentralOptions { HttpUrl = $"http://localhost:{port}" };
        options.Mqtt.Port = port;

        var problems = ListenCheck.FindProblems(options);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith($"Central:HttpUrl: cannot listen on 127.0.0.1:{port} (http://localhost:{port}): address already in use", problems[0], StringComparison.Ordinal);
        Assert.StartsWith($"Central:Mqtt:Port: the embedded broker cannot listen on 127.0.0.1:{port}", problems[1], StringComparison.Ordinal);

        options.HttpUrl = "http://127.0.0.1:0";
        options.Mqtt.Port = 0;
        Assert.Empty(ListenCheck.FindProblems(options));

        options.Mqtt.PlainPort = port;
        Assert.Empty(ListenCheck.FindProblems(options));
        options.Mqtt.AllowPlain = true;
        Assert.StartsWith($"Central:Mqtt:PlainPort: the embedded broker's plain listener (Central:Mqtt:AllowPlain) cannot listen on 127.0.0.1:{port}", Assert.Single(ListenCheck.FindProblems(options)), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int? Code, string Output, string Error) Check(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = CommandLine.Check(args, _directory, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
