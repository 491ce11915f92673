using City.Edge.Hosting;

namespace City.Edge.Tests;

/// <summary>The edge's command line, in-process (the real process is checked in tests/EndToEnd.Tests/CommandLineTests).</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("--Edge:GatewayId=gw-017")]
    [InlineData("--Edge:GatewayId", "gw-017")]
    [InlineData("--edge:gatewayid=gw-017")]
    [InlineData("--config", "site.json", "--Logging:LogLevel:Default=Debug")]
    [InlineData("-c", "site.json")]
    [InlineData("--config=site.json")]
    [InlineData("--Edge:Central:Port", "--1")]
    public void Configuration_arguments_let_the_edge_start(params string[] args)
    {
        using var dir = new TempDir();
        var (code, output, error) = Check(dir, args);
        Assert.Null(code);
        Assert.Empty(output);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("unknown argument 'gw-017'", "gw-017")]
    [InlineData("unknown argument '/Edge:GatewayId=x'", "/Edge:GatewayId=x")]
    [InlineData("unknown argument '-x'", "-x")]
    [InlineData("unknown configuration section 'Egde' in '--Egde:GatewayId' (known: Edge, Logging)", "--Egde:GatewayId=x")]
    [InlineData("unknown configuration section 'urls' in '--urls' (known: Edge, Logging)", "--urls", "http://x")]
    [InlineData("'--Edge:GatewayId' needs a value: --Edge:GatewayId=VALUE", "--Edge:GatewayId")]
    [InlineData("'--config' needs a path: --config /etc/city-edge/edge.json", "--config")]
    public void Anything_else_is_refused_with_exit_code_2_naming_it(string message, params string[] args)
    {
        using var dir = new TempDir();
        var (code, output, error) = Check(dir, args);
        Assert.Equal(CommandLine.ExitUsage, code);
        Assert.Empty(output);
        Assert.Contains($"edge: {message}\n", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Egde:Devices:0:Community=s3cr3t-community")]
    [InlineData("--Egde:Devices:0:Community", "s3cr3t-community")]
    [InlineData("--Edge:Devices:0:Community=s3cr3t-community", "--Egde:Devices:0:AuthPassword", "s3cr3t-passphrase")]
    public void A_misspelt_section_is_named_without_its_value_which_may_be_a_secret(params string[] args)
    {
        using var dir = new TempDir();
        var (code, _, error) = Check(dir, args);
        Assert.Equal(CommandLine.ExitUsage, code);
        Assert.Contains("unknown configuration section 'Egde' in '--Egde:Devices:0:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_unknown_section_of_the_configuration_files_is_named_with_its_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appsettings.json"), """{ "Logging": {}, "Edge": {}, "Kestrel": {} }""");
        File.WriteAllText(dir.File("site.json"), """{ "Egde": { "GatewayId": "gw-017" }, /* a comment */ }""");

        var (code, _, error) = Check(dir, "--config", dir.File("site.json"));

        Assert.Equal(CommandLine.ExitUsage, code);
        Assert.Contains($"unknown configuration section 'Kestrel' in {dir.File("appsettings.json")}", error, StringComparison.Ordinal);
        Assert.Contains($"unknown configuration section 'Egde' in {dir.File("site.json")}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_file_that_is_not_JSON_is_left_to_the_loader_to_report()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("site.json"), "{ not json");

        Assert.Null(Check(dir, "--config", dir.File("site.json")).Code);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--Edge:GatewayId", "--help")]
    [InlineData("stray", "--help")]
    public void Help_wins_over_everything_else_and_exits_0(params string[] args)
    {
        using var dir = new TempDir();
        var (code, output, error) = Check(dir, args);
        Assert.Equal(0, code);
        Assert.StartsWith("usage: edge", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public void Version_is_the_one_the_edge_sends_in_its_Birth()
    {
        using var dir = new TempDir();
        var (code, output, _) = Check(dir, "--version");
        Assert.Equal(0, code);
        Assert.Equal(City.Edge.Forwarding.Forwarder.SoftwareVersion + Environment.NewLine, output);
        Assert.Matches(@"^\d+\.\d+\.\d+$", City.Edge.Forwarding.Forwarder.SoftwareVersion);
    }

    private static (int? Code, string Output, string Error) Check(TempDir dir, params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = CommandLine.Check(args, dir.Path, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
