use std::sync::atomic::AtomicBool;

use super::*;

/// `clusters` groups of `per` rows in `dim` dimensions: a random centre each, rows scattered
/// tightly around it.
fn clustered(clusters: usize, per: usize, dim: usize) -> (Rows, Vec<Option<u32>>) {
    let mut rng = Rng(3);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| (0..dim).map(|_| rng.normal()).collect())
        .collect();
    let mut data = Vec::new();
    let mut groups = Vec::new();
    for (c, centre) in centres.iter().enumerate() {
        for _ in 0..per {
            data.extend(centre.iter().map(|x| x + 0.15 * rng.normal()));
            groups.push(Some(c as u32));
        }
    }
    (Rows::new(data, dim), groups)
}

#[test]
fn the_layout_keeps_clusters_together() {
    let (rows, groups) = clustered(6, 40, 40);
    let cancel = AtomicBool::new(false);
    let points = layout(&rows, &quiet_job(&cancel)).expect("not cancelled");
    assert_eq!(points.len(), rows.len());
    let near = quality::map_neighbours(&points, 10);
    let same = quality::same_group_rate(&near, &groups);
    assert!(
        same > 0.95,
        "only {same} of map neighbours share the cluster"
    );
    assert!(quality::trustworthiness(&rows, &points, 10) > 0.9);
}

#[test]
fn the_neighbour_embedding_keeps_more_neighbours_than_pca() {
    // Many clusters in many dimensions: two components cannot part them, a neighbour
    // embedding can.
    let (rows, _) = clustered(12, 25, 60);
    let cancel = AtomicBool::new(false);
    let embedded = layout(&rows, &quiet_job(&cancel)).expect("not cancelled");
    let (_, pca) = pca_layout(&rows);
    let recall_embedded = quality::neighbour_recall(&rows, &embedded, 10, None);
    let recall_pca = quality::neighbour_recall(&rows, &pca, 10, None);
    assert!(
        recall_embedded > recall_pca + 0.05,
        "embedding {recall_embedded}, PCA {recall_pca}"
    );
}

#[test]
fn a_placed_track_lands_among_its_neighbours_and_moves_nobody() {
    let (rows, groups) = clustered(4, 30, 20);
    let cancel = AtomicBool::new(false);
    let points = layout(&rows, &quiet_job(&cancel)).expect("not cancelled");
    let before = points.clone();
    // A new track next to the first of cluster 2.
    let new: Vec<f32> = rows.row(60).iter().map(|x| x + 0.01).collect();
    let p = place(&new, &rows, &points);
    assert_eq!(points, before);
    let nearest = (0..points.len())
        .min_by(|&a, &b| {
            let d = |i: usize| (points[i][0] - p[0]).powi(2) + (points[i][1] - p[1]).powi(2);
            d(a).total_cmp(&d(b))
        })
        .expect("points");
    assert_eq!(groups[nearest], Some(2));
}

#[test]
fn a_cancelled_layout_stops_with_cancelled() {
    let (rows, _) = clustered(3, 30, 10);
    let cancel = AtomicBool::new(true);
    assert_eq!(
        layout(&rows, &quiet_job(&cancel)).err(),
        Some(MapError::Cancelled)
    );
}

#[test]
fn progress_rises_to_the_end() {
    let (rows, _) = clustered(3, 30, 10);
    let cancel = AtomicBool::new(false);
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |p: f32| seen.lock().expect("not poisoned").push(p);
    let job = Job {
        cancel: &cancel,
        progress: &record,
    };
    layout(&rows, &job).expect("not cancelled");
    let seen = seen.into_inner().expect("not poisoned");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1.0));
}

#[test]
fn tiny_and_empty_libraries_lay_out() {
    let cancel = AtomicBool::new(false);
    assert!(
        layout(&Rows::new(Vec::new(), 4), &quiet_job(&cancel))
            .expect("nothing to cancel")
            .is_empty()
    );
    let two = Rows::new(vec![0.0, 1.0, 1.0, 0.0], 2);
    let points = layout(&two, &quiet_job(&cancel)).expect("nothing to cancel");
    assert_eq!(points.len(), 2);
    assert!(points.iter().flatten().all(|x| x.is_finite()));
}

#[test]
fn approximate_neighbours_find_most_exact_ones() {
    let (rows, _) = clustered(40, 200, 16);
    let cancel = AtomicBool::new(false);
    let found = knn(&rows, 10, &quiet_job(&cancel)).expect("not cancelled");
    let mut hits = 0;
    let picks: Vec<usize> = (0..rows.len()).step_by(97).collect();
    for &i in &picks {
        let exact = nearest_among(rows.row(i), &rows, 11);
        let exact: Vec<usize> = exact.into_iter().map(|x| x.0).filter(|&j| j != i).collect();
        hits += found.of(i).filter(|(j, _)| exact.contains(j)).count();
    }
    let recall = hits as f32 / (picks.len() * 10) as f32;
    assert!(recall > 0.8, "approximate neighbour recall {recall}");
}

#[test]
fn features_weigh_each_block_alike_and_ignore_unknown_blocks() {
    let tracks = [
        TrackInput {
            embedding: &[1.0, 0.0, 0.0, 0.0],
            tags: &[0.9, 0.1],
            timbre: &[120.0, -20.0],
        },
        TrackInput {
            embedding: &[0.0, 1.0, 0.0, 0.0],
            tags: &[0.1, 0.9],
            timbre: &[90.0, -30.0],
        },
        TrackInput {
            embedding: &[0.0, 0.0, 1.0, 0.0],
            tags: &[],
            timbre: &[f32::NAN, -25.0],
        },
    ];
    let space = FeatureSpace::fit(&tracks);
    assert_eq!(space.dim(), 8);
    let rows = space.rows(&tracks);
    let length = |r: &[f32]| r.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((length(rows.row(0)) - 1.0).abs() < 1e-5);
    // The third has no tags: that block is zeros, the row is shorter, nothing is NaN.
    assert!(rows.row(2)[4..6].iter().all(|x| *x == 0.0));
    assert!(rows.data.iter().all(|x| x.is_finite()));
}

#[test]
fn the_autoencoder_learns_to_part_clusters() {
    let (rows, groups) = clustered(4, 40, 12);
    let cancel = AtomicBool::new(false);
    let params = AutoencoderParams {
        steps: 2_000,
        ..Default::default()
    };
    let net = Autoencoder::train(&rows, &params, &quiet_job(&cancel)).expect("not cancelled");
    let points = net.encode_all(&rows);
    let near = quality::map_neighbours(&points, 5);
    assert!(quality::same_group_rate(&near, &groups) > 0.9);
}

#[test]
fn displacement_ignores_rotation_and_scale_but_not_moves() {
    let before: Vec<Point> = (0..50)
        .map(|i| [(i as f32).cos() * i as f32, (i as f32).sin()])
        .collect();
    let turned: Vec<Point> = before.iter().map(|p| [-2.0 * p[1], 2.0 * p[0]]).collect();
    assert!(quality::displacement(&before, &turned) < 1e-4);
    let mut moved = before.clone();
    moved[3] = [100.0, 100.0];
    assert!(quality::displacement(&before, &moved) > 0.1);
}

#[test]
fn regions_are_named_by_the_tag_that_stands_out_there() {
    let points: Vec<Point> = (0..40)
        .map(|i| {
            if i < 20 {
                [0.0, i as f32 * 0.01]
            } else {
                [10.0, i as f32 * 0.01]
            }
        })
        .collect();
    let tags: Vec<Vec<f32>> = (0..40)
        .map(|i| {
            if i < 20 {
                vec![0.6, 0.1, 0.5]
            } else {
                vec![0.6, 0.8, 0.1]
            }
        })
        .collect();
    let refs: Vec<&[f32]> = tags.iter().map(Vec::as_slice).collect();
    let labels = region_labels(&points, &refs, 2, 5);
    let mut named: Vec<(bool, usize)> = labels.iter().map(|l| (l.x > 5.0, l.tag)).collect();
    named.sort();
    assert_eq!(named, vec![(false, 2), (true, 1)]);
}
