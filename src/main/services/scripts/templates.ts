import type { ScriptTemplate } from '../../../shared/contract/scripts';

/** Ready-made scripts offered on the Scripts page. Each one runs as written once its folder is granted. */
export const TEMPLATES: ScriptTemplate[] = [
  {
    id: 'sort-inbox',
    name: 'Sort new pictures by label',
    description: 'Classify the new pictures in a folder and move each into a sub-folder named after its label. Schedule it with "0 * * * *" to run every hour.',
    source: `# Classify the new pictures in a folder and move each one into a sub-folder named
# after its label. Grant the folder in Settings → Granted folders first, then schedule
# this script with "0 * * * *" to run it every hour.
import "loupe" as loupe

let inbox = "~/Inbox"
# The latest model of this dataset names the pictures; nil uses the newest model of all.
let dataset = nil

let pictures = loupe.files(inbox, "*.{jpg,jpeg,png,webp,gif,bmp,tif,tiff}")
loupe.log("found " + str(len(pictures)) + " new pictures")
let moved = 0
for i, path in pictures {
    try {
        let guess = loupe.classify(path, dataset)
        loupe.move(path, inbox + "/" + guess["label"])
        moved += 1
    } catch e {
        print("skipped " + path + ": " + e.message)
    }
    loupe.progress((i + 1) / len(pictures))
}
print("moved " + str(moved) + " of " + str(len(pictures)))
moved
`,
  },
  {
    id: 'label-counts',
    name: 'Count labels in every dataset',
    description: 'Print each dataset with how many pictures carry each label.',
    source: `import "loupe" as loupe

for ds in loupe.datasets() {
    print(ds["name"] + ": " + str(ds["imageCount"]) + " pictures")
    for l in loupe.labels(ds["id"]) {
        print("  " + l["name"] + ": " + str(l["count"]))
    }
}
`,
  },
  {
    id: 'confident-labels',
    name: 'Accept confident predictions',
    description: 'Label the unlabelled pictures of a dataset that the model names with at least 95% confidence.',
    source: `import "loupe" as loupe

let dataset = "My dataset"
let accepted = 0
for p in loupe.predictions(dataset, {"unlabelledOnly": true, "minConfidence": 0.95}) {
    loupe.label(p["id"], p["predicted"])
    accepted += 1
}
print("labelled " + str(accepted) + " pictures")
`,
  },
];
