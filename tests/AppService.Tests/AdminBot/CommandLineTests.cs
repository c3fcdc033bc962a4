using OpenMeet.AppService.AdminBot;

namespace OpenMeet.AppService.Tests.AdminBot;

public sealed class CommandLineTests
{
    private static readonly string[] Known = ["help", "status", "rooms", "whois"];

    [Theory]
    [InlineData("!om status", "status")]
    [InlineData("!OM   rooms t1 ", "rooms t1")]
    [InlineData("!om", "help")]
    [InlineData("status", "status")]
    [InlineData("Status please", "Status please")]
    [InlineData("!om stauts", "stauts")]
    public void CommandsAreFoundWithOrWithoutThePrefix(string body, string command) =>
        CommandLine.Extract(body, Known).Should().Be(command);

    [Theory]
    [InlineData("hello everyone")]
    [InlineData("stauts")]
    [InlineData("!omstatus")]
    public void ChatterIsNotACommand(string body) => CommandLine.Extract(body, Known).Should().BeNull();

    [Fact]
    public void QuotesGroupWordsAndBackslashEscapes()
    {
        var line = CommandLine.Parse("""whois "john doe" 'it''s' a\ b "say \"hi\"" """);

        line.Name.Should().Be("whois");
        line.Args.Should().Equal("john doe", "its", "a b", "say \"hi\"");
    }

    [Fact]
    public void FlagsAreSeparatedFromArguments()
    {
        var line = CommandLine.Parse("RECONCILE t1 --dry-run --page=3");

        line.Name.Should().Be("reconcile");
        line.Args.Should().Equal("t1");
        line.Flags.Should().BeEquivalentTo(new Dictionary<string, string?> { ["dry-run"] = null, ["page"] = "3" });
    }

    [Fact]
    public void UnclosedQuoteIsAnError()
    {
        var act = () => CommandLine.Parse("whois \"john");
        act.Should().Throw<CommandException>().WithMessage("a \" quote is not closed");
    }

    [Theory]
    [InlineData("stauts", "status")]
    [InlineData("room", "rooms")]
    [InlineData("hlep", "help")]
    [InlineData("xyzzy", null)]
    public void ClosestCommandIsSuggested(string typed, string? expected) =>
        Suggest.Closest(typed, ["help", "status", "rooms", "whois"]).Should().Be(expected);
}
