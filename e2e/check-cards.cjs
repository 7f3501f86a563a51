// Parses cards with Microsoft's own Adaptive Cards library (npm adaptivecards) and prints,
// as JSON, every parse or validation event per card: unknown elements, bad property values,
// duplicate input ids. The Python card tests run this so a card Teams would mangle fails CI.
const fs = require("fs");
const AC = require("./node_modules/adaptivecards/dist/adaptivecards.js");

const cards = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const results = cards.map((json) => {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) problems.push(event.message);
  return problems;
});
process.stdout.write(JSON.stringify(results));
